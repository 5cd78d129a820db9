import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { VicinityError, toVicinityError, type VicinityErrorCode } from '../errors/VicinityError.js';
import type { LogSink, OpenRequest, OpenResult, WorkerApi } from '../worker/protocol.js';
import { spawnWorker } from './spawnWorker.js';

type Api = Remote<WorkerApi>['index'];

interface Connection {
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi>;
  readonly api: Api;
}

/**
 * The worker that holds the index and takes every write, supervised. Comlink
 * alone never rejects when a worker dies, so every call here has a deadline
 * and the worker's `error` event counts as a crash. Either way, every pending
 * call rejects (TIMEOUT or WORKER_CRASHED, saying how many unsaved changes
 * were lost), the worker is replaced, and the index reopens from its last
 * saved generation; calls made meanwhile wait for that.
 */
export class PrimaryWorker {
  #connection: Connection;
  #request: OpenRequest;
  #logger: LogSink | undefined;
  #timeoutMs: number;
  #pending = new Set<(error: VicinityError) => void>();
  #recovering: Promise<void> | null = null;
  #closed = false;
  #unsaved = 0;
  #savedGeneration: number | null;
  #onReopen: (opened: OpenResult) => void = () => undefined;
  /** Calls under way, to spread searches between this worker and replicas. */
  inFlight = 0;

  private constructor(
    connection: Connection,
    request: OpenRequest,
    opened: OpenResult,
    logger: LogSink | undefined,
    timeoutMs: number,
  ) {
    this.#connection = connection;
    this.#request = request;
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
    this.#savedGeneration = opened.created ? null : opened.generation;
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
    return { primary: new PrimaryWorker(connection, again, opened, logger, timeoutMs), opened };
  }

  /** Told after a respawn, with what the new worker opened. */
  set onReopen(listener: (opened: OpenResult) => void) {
    this.#onReopen = listener;
  }

  /**
   * Runs one call against the worker, bounded by a deadline of the base
   * timeout plus `extraMs` for calls whose work grows with their input.
   */
  async call<T>(run: (api: Api) => Promise<T>, extraMs = 0): Promise<T> {
    while (this.#recovering) await this.#recovering;
    if (this.#closed) throw new VicinityError('CLOSED', `index "${this.#request.name}" is closed`);
    const { api } = this.#connection;
    this.inFlight++;
    try {
      return await new Promise<T>((resolve, reject) => {
        const fail = (error: VicinityError) => {
          clearTimeout(timer);
          this.#pending.delete(fail);
          reject(error);
        };
        const timer = setTimeout(() => {
          this.#failed('TIMEOUT', `a call got no answer within ${this.#timeoutMs + extraMs} ms`);
        }, this.#timeoutMs + extraMs);
        this.#pending.add(fail);
        run(api).then(
          (value) => {
            clearTimeout(timer);
            this.#pending.delete(fail);
            resolve(value);
          },
          (error: unknown) => fail(toVicinityError(error, 'ENGINE_ERROR')),
        );
      });
    } finally {
      this.inFlight--;
    }
  }

  /** Between a failure and the reopen in a new worker: what the index holds is not known. */
  get recovering(): boolean {
    return this.#recovering !== null;
  }

  /** Writes since the last save: what a crash or a reload would lose. */
  get unsaved(): number {
    return this.#unsaved;
  }

  get savedGeneration(): number | null {
    return this.#savedGeneration;
  }

  #adopt(connection: Connection, opened: OpenResult): void {
    this.#connection = connection;
    this.#watch(connection);
    this.#unsaved = 0;
    this.#savedGeneration = opened.created ? null : opened.generation;
    this.#onReopen(opened);
  }

  /** Counts writes that a crash would lose. */
  wrote(changes: number): void {
    this.#unsaved += changes;
  }

  saved(generation: number): void {
    this.#unsaved = 0;
    this.#savedGeneration = generation;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#recovering) await this.#recovering.catch(() => undefined);
    const { api, remote, worker } = this.#connection;
    try {
      await Promise.race([api.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    } catch {
      // The worker is going away either way.
    } finally {
      remote[releaseProxy]();
      worker.terminate();
      const closed = new VicinityError('CLOSED', `index "${this.#request.name}" was closed`);
      for (const fail of [...this.#pending]) fail(closed);
    }
  }

  #watch(connection: Connection): void {
    connection.worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (connection === this.#connection)
        this.#failed('WORKER_CRASHED', event.message || 'the worker failed');
    });
  }

  #failed(code: VicinityErrorCode, reason: string): void {
    if (this.#recovering || this.#closed) return;
    const saved =
      this.#savedGeneration === null
        ? 'nothing was saved yet'
        : `generation ${this.#savedGeneration} reopens`;
    const error = new VicinityError(
      code,
      `index "${this.#request.name}": ${reason}; ${this.#unsaved} unsaved changes were lost and ${saved}`,
    );
    for (const fail of [...this.#pending]) fail(error);
    const { remote, worker } = this.#connection;
    remote[releaseProxy]();
    worker.terminate();
    this.#recovering = this.#respawn().finally(() => {
      this.#recovering = null;
    });
  }

  async #respawn(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        const { connection, opened } = await connect(this.#request, this.#logger, this.#timeoutMs);
        if (this.#closed) {
          connection.worker.terminate();
          return;
        }
        this.#adopt(connection, opened);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
  }
}

async function connect(
  request: OpenRequest,
  logger: LogSink | undefined,
  timeoutMs: number,
): Promise<{ connection: Connection; opened: OpenResult }> {
  const worker = spawnWorker();
  const remote = wrap<WorkerApi>(worker);
  const api = remote.index;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (event) =>
        reject(
          new VicinityError(
            'WORKER_CRASHED',
            `the worker failed while opening: ${event.message || 'its script did not load or run'}`,
          ),
        ),
      );
      timer = setTimeout(
        () => reject(new VicinityError('TIMEOUT', `opening got no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    if (logger) await Promise.race([api.setLogSink(proxy(logger)), died]);
    const opened = await Promise.race([api.open(request), died]);
    return { connection: { worker, remote, api }, opened };
  } catch (error) {
    remote[releaseProxy]();
    worker.terminate();
    throw toVicinityError(error, 'ENGINE_ERROR', 'opening the index');
  } finally {
    clearTimeout(timer);
  }
}
