import { proxy, releaseProxy, wrap, type ProxyMarked, type Remote } from 'comlink';
import { VicinityError, toVicinityError, type VicinityErrorCode } from '../core/VicinityError.js';
import { fromWorker } from '../core/wireError.js';
import type { LogSink, OpenRequest, OpenResult, WorkerApi } from '../core/protocol.js';
import { isUndeliverable } from '../core/notices.js';
import { sleep } from '../util/sleep.js';
import { SearchChannel } from './SearchChannel.js';
import { spawnWorker } from './spawnWorker.js';
import { withTimeout } from '../util/withTimeout.js';

/** The index service in the worker, as the page calls it. */
export type PrimaryApi = Remote<WorkerApi<ProxyMarked>>['index'];
type Api = PrimaryApi;

interface Connection {
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi<ProxyMarked>>;
  readonly api: Api;
  /** Searches, as vicinity's own messages (see searchWire.ts). */
  readonly search: SearchChannel;
  /** Set once the worker is terminated and its proxy released. */
  ended: boolean;
}

/** A call sent to the worker and not answered yet. */
interface SentCall {
  /** How long the worker may work on it once it has started. */
  readonly allowanceMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly fail: (error: VicinityError) => void;
}

/**
 * Beyond the base deadline, for an open: the worker's script and the WASM
 * are fetched and compiled first, which a slow device or a busy page takes
 * seconds over, and which a short `timeoutMs` meant for calls should not cut.
 */
const OPEN_ALLOWANCE_MS = 10_000;
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

  /** The worker starts the oldest unanswered call now: its deadline runs from here. */
  #startClock(call: SentCall): void {
    call.timer = setTimeout(() => {
      this.#failed(
        'TIMEOUT',
        `a call got no answer within ${call.allowanceMs} ms of the worker starting it`,
      );
    }, call.allowanceMs);
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
      if (connection !== this.#connection || !isUndeliverable(event.data)) return;
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

/** Stops a worker and releases its proxy, once. */
function end(connection: Connection): void {
  if (connection.ended) return;
  connection.ended = true;
  connection.search.end();
  try {
    connection.remote[releaseProxy]();
  } catch {
    // Released already: nothing is left to release.
  }
  connection.worker.terminate();
}

async function connect(
  request: OpenRequest,
  logger: LogSink | undefined,
  timeoutMs: number,
): Promise<{ connection: Connection; opened: OpenResult }> {
  const worker = spawnWorker(request.engine);
  // Before Comlink's: its calls go through the channel's endpoint.
  const search = new SearchChannel(worker, 'index');
  const remote = wrap<WorkerApi<ProxyMarked>>(search.endpoint);
  const connection: Connection = {
    worker,
    remote,
    api: remote.index,
    search,
    ended: false,
  };
  const died = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) =>
      reject(
        new VicinityError(
          'WORKER_CRASHED',
          `the worker failed while opening: ${event.message || 'its script did not load or run'}`,
        ),
      ),
    );
  });
  // A crash after the open is the supervisor's to handle (see #watch).
  died.catch(() => undefined);
  const allowanceMs = timeoutMs + OPEN_ALLOWANCE_MS;
  const opening = (async () => {
    if (logger) await Promise.race([connection.api.setLogSink(proxy(logger)), died]);
    // Opened with the shared lane open too, where the page has one: searches use it from the first.
    const [opened] = await Promise.race([
      Promise.all([connection.api.open(request), search.ready]),
      died,
    ]);
    return opened;
  })();
  try {
    const opened = await withTimeout(
      opening,
      allowanceMs,
      () => `opening got no answer within ${allowanceMs} ms`,
    );
    return { connection, opened };
  } catch (error) {
    end(connection);
    throw fromWorker(error, 'ENGINE_ERROR', 'opening the index');
  }
}
