import type { ProxyMarked, Remote } from 'comlink';
import { VicinityError, toVicinityError, type VicinityErrorCode } from '../core/VicinityError.js';
import { fromWorker } from '../core/wireError.js';
import type { LogSink, OpenRequest, OpenResult, WorkerApi } from '../core/protocol.js';
import { isLockWait, isUndeliverable } from '../core/notices.js';
import { sleep } from '../util/sleep.js';
import type { SearchChannel } from './SearchChannel.js';
import { connect, end, type Connection } from './workerConnection.js';

/** The index service in the worker, as the page calls it. */
export type PrimaryApi = Remote<WorkerApi<ProxyMarked>>['index'];
type Api = PrimaryApi;

/** A call sent to the worker and not answered yet. */
interface SentCall {
  /** How long the worker may work on it once it has started. */
  readonly allowanceMs: number;
  /** What it has used of that, in spells before the one under way. */
  usedMs: number;
  /** When the spell under way started (the clock runs), or null. */
  since: number | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly fail: (error: VicinityError) => void;
}

/** Attempts to start a replacement worker before the index gives up on it. */
const RESPAWN_ATTEMPTS = 5;
/** The wait before the second attempt; it doubles before each later one. */
const RESPAWN_BACKOFF_MS = 200;

/**
 * Reasons an open fails that no retry can change: the stored data or this
 * browser must change first. Others (a crash, a timeout, a blocked or failing
 * database) may pass, so a respawn tries again.
 */
const PERMANENT: ReadonlySet<VicinityErrorCode> = new Set([
  'INDEX_CORRUPTED',
  'UNSUPPORTED_FORMAT',
  'INCOMPATIBLE_OPTIONS',
  'NOT_FOUND',
  'CSP_BLOCKED',
  'UNSUPPORTED_ENGINE',
  'INVALID_OPTIONS',
]);

/**
 * The worker that holds the index and takes every write, supervised.
 *
 * The worker runs calls one at a time, in the order they were sent, so a
 * call starts when the one before it has been answered. Its deadline counts
 * from then: time spent queued behind a long upsert is not work, and a busy
 * worker is never taken for a hung one. Only the oldest unanswered call has a
 * timer running.
 *
 * Comlink alone never rejects when a worker dies, so a deadline that passes
 * and the worker's `error` event both count as a failure: every pending call
 * rejects (TIMEOUT or WORKER_CRASHED, saying how many unsaved changes were
 * lost), the worker is replaced and the index reopens from its last saved
 * generation; calls made meanwhile wait for that. A replacement is tried a
 * few times with a growing wait; when it cannot succeed (the stored
 * generations are damaged, say), every pending and later call fails with the
 * cause until the index is closed.
 */
export class PrimaryWorker {
  #connection: Connection;
  #request: OpenRequest;
  #logger: LogSink | undefined;
  #timeoutMs: number;
  /** Calls sent to the current worker, oldest first: the order it runs them in. */
  #sent: SentCall[] = [];
  #recovering: Promise<void> | null = null;
  /** Why no worker can be started again; every call fails with it. */
  #broken: VicinityError | null = null;
  #closed = false;
  /** Ends a respawn's wait between attempts when the index closes. */
  #wake: (() => void) | undefined;
  /** What the index holds unsaved, for the message of a failure (the page's IndexState). */
  ledger: { readonly unsaved: number; readonly savedGeneration: number | null } = {
    unsaved: 0,
    savedGeneration: null,
  };
  #onReopen: (opened: OpenResult) => void = () => undefined;
  #onFailed: () => void = () => undefined;
  /** Calls under way, to spread searches between this worker and replicas. */
  inFlight = 0;

  private constructor(
    connection: Connection,
    request: OpenRequest,
    logger: LogSink | undefined,
    timeoutMs: number,
  ) {
    this.#connection = connection;
    this.#request = request;
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
    this.#watch(connection);
  }

  static async start(
    request: OpenRequest,
    logger: LogSink | undefined,
    timeoutMs: number,
  ): Promise<{ primary: PrimaryWorker; opened: OpenResult }> {
    const { connection, opened } = await connect(request, logger, timeoutMs);
    // Later reopens must recreate the same index, saved or not.
    const again: OpenRequest = { ...request, ...opened.params, efSearch: request.efSearch };
    return { primary: new PrimaryWorker(connection, again, logger, timeoutMs), opened };
  }

  /** Told after a respawn, with what the new worker opened. */
  set onReopen(listener: (opened: OpenResult) => void) {
    this.#onReopen = listener;
  }

  /** Told when the worker failed: what it held and had not saved is gone. */
  set onFailed(listener: () => void) {
    this.#onFailed = listener;
  }

  /**
   * Runs one call against the worker. Its deadline is the base timeout plus
   * `extraMs` for calls whose work grows with their input, counted from when
   * the worker starts it. `run` sends it, through Comlink (`api`) or, for a
   * search, as a message of vicinity's own (`search`).
   */
  async call<T>(run: (api: Api, search: SearchChannel) => Promise<T>, extraMs = 0): Promise<T> {
    while (this.#recovering) await this.#recovering;
    if (this.#closed) throw new VicinityError('CLOSED', `index "${this.#request.name}" is closed`);
    this.#assertUsable();
    return this.#send(run, extraMs);
  }

  async #send<T>(
    run: (api: Api, search: SearchChannel) => Promise<T>,
    extraMs: number,
  ): Promise<T> {
    const connection = this.#connection;
    this.inFlight++;
    try {
      return await new Promise<T>((resolve, reject) => {
        const call: SentCall = {
          allowanceMs: this.#timeoutMs + extraMs,
          usedMs: 0,
          since: null,
          timer: undefined,
          fail: (error) => {
            this.#answered(call);
            reject(error);
          },
        };
        this.#sent.push(call);
        if (this.#sent.length === 1) this.#startClock(call);
        let sent: Promise<T>;
        try {
          sent = run(connection.api, connection.search);
        } catch (error) {
          call.fail(toVicinityError(error, 'ENGINE_ERROR'));
          return;
        }
        sent.then(
          (value) => {
            this.#answered(call);
            resolve(value);
          },
          (error: unknown) => call.fail(fromWorker(error, 'ENGINE_ERROR')),
        );
      });
    } finally {
      this.inFlight--;
    }
  }

  /**
   * The worker starts the oldest unanswered call now, or goes on with it
   * after waiting for a lock: its deadline runs from here, for what is left.
   */
  #startClock(call: SentCall): void {
    clearTimeout(call.timer);
    call.since = performance.now();
    call.timer = setTimeout(
      () => {
        this.#failed(
          'TIMEOUT',
          `a call got no answer within ${call.allowanceMs} ms of the worker working on it`,
        );
      },
      Math.max(0, call.allowanceMs - call.usedMs),
    );
  }

  /** The call under way waits for a lock held elsewhere: waiting is not work. */
  #stopClock(call: SentCall): void {
    if (call.since === null) return;
    clearTimeout(call.timer);
    call.usedMs += performance.now() - call.since;
    call.since = null;
  }

  #answered(call: SentCall): void {
    clearTimeout(call.timer);
    const at = this.#sent.indexOf(call);
    if (at < 0) return;
    this.#sent.splice(at, 1);
    const next = this.#sent[0];
    if (at === 0 && next) this.#startClock(next);
  }

  /** Between a failure and the reopen in a new worker: what the index holds is not known. */
  get recovering(): boolean {
    return this.#recovering !== null;
  }

  /** Why the worker cannot be replaced, once every attempt failed. */
  get broken(): VicinityError | null {
    return this.#broken;
  }

  #adopt(connection: Connection, opened: OpenResult): void {
    this.#connection = connection;
    this.#watch(connection);
    this.#onReopen(opened);
  }

  /**
   * Closes the index in the worker once the calls already sent are answered
   * (each within its own deadline), then stops it. Never rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    while (this.#recovering) await this.#recovering;
    const connection = this.#connection;
    if (connection.ended) return;
    try {
      await this.#send((api) => api.close(), 0);
    } catch {
      // The worker is going away either way.
    } finally {
      end(connection);
      const closed = new VicinityError('CLOSED', `index "${this.#request.name}" was closed`);
      for (const call of [...this.#sent]) call.fail(closed);
    }
  }

  #assertUsable(): void {
    const broken = this.#broken;
    if (broken) throw new VicinityError(broken.code, broken.message, { cause: broken });
  }

  #watch(connection: Connection): void {
    connection.worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (connection === this.#connection)
        this.#failed('WORKER_CRASHED', event.message || 'the worker failed');
    });
    // The worker got a message it could not read (structured clone ran out
    // of stack, say): it says so once every call before it is answered, so
    // the oldest unanswered call is the one that was lost.
    connection.worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (connection !== this.#connection) return;
      // The call under way waits for another tab's lock, or got it (see notices.ts).
      if (isLockWait(event.data)) {
        const running = this.#sent[0];
        if (running && event.data.waiting) this.#stopClock(running);
        else if (running && running.since === null) this.#startClock(running);
        return;
      }
      if (!isUndeliverable(event.data)) return;
      this.#sent[0]?.fail(
        new VicinityError(
          'ENGINE_ERROR',
          `index "${this.#request.name}": the worker could not read a call's arguments ` +
            '(the browser failed to copy them across); nothing changed',
        ),
      );
    });
  }

  #failed(code: VicinityErrorCode, reason: string): void {
    if (this.#recovering || this.#connection.ended) return;
    const { unsaved, savedGeneration } = this.ledger;
    const saved =
      savedGeneration === null ? 'nothing was saved yet' : `generation ${savedGeneration} reopens`;
    const error = new VicinityError(
      code,
      `index "${this.#request.name}": ${reason}; ${unsaved} unsaved changes were lost and ${saved}`,
    );
    end(this.#connection);
    for (const call of [...this.#sent]) call.fail(error);
    this.#onFailed();
    if (this.#closed) return;
    this.#recovering = this.#respawn().finally(() => {
      this.#recovering = null;
    });
  }

  async #respawn(): Promise<void> {
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        const { connection, opened } = await connect(this.#request, this.#logger, this.#timeoutMs);
        if (this.#closed) {
          end(connection);
          return;
        }
        this.#adopt(connection, opened);
        return;
      } catch (thrown) {
        const error = toVicinityError(thrown, 'ENGINE_ERROR');
        if (PERMANENT.has(error.code) || attempt >= RESPAWN_ATTEMPTS) {
          this.#broken = new VicinityError(
            error.code,
            `index "${this.#request.name}" cannot be reopened after its worker failed ` +
              `(${attempt} attempt${attempt === 1 ? '' : 's'}): ${error.message}`,
            { cause: error },
          );
          this.#logger?.('error', this.#broken.message);
          return;
        }
        const wake = new AbortController();
        this.#wake = () => wake.abort();
        await sleep(RESPAWN_BACKOFF_MS * 2 ** (attempt - 1), wake.signal);
        this.#wake = undefined;
      }
    }
  }
}
