import { proxy, releaseProxy, wrap, type ProxyMarked, type Remote } from 'comlink';
import { VicinityError } from '../core/VicinityError.js';
import { fromWorker } from '../core/wireError.js';
import type { LogSink, OpenRequest, OpenResult, WorkerApi } from '../core/protocol.js';
import { SearchChannel } from './SearchChannel.js';
import { spawnWorker } from './spawnWorker.js';
import { withTimeout } from '../util/withTimeout.js';

/** An index worker started by the page, and the ways to call it. */
export interface Connection {
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi<ProxyMarked>>;
  readonly api: Remote<WorkerApi<ProxyMarked>>['index'];
  /** Searches, as vicinity's own messages (see searchWire.ts). */
  readonly search: SearchChannel;
  /** Set once the worker is terminated and its proxy released. */
  ended: boolean;
}

/**
 * Beyond the base deadline, for an open: the worker's script and the WASM
 * are fetched and compiled first, which a slow device or a busy page takes
 * seconds over, and which a short `timeoutMs` meant for calls should not cut.
 */
const OPEN_ALLOWANCE_MS = 10_000;

/** Stops a worker and releases its proxy, once. */
export function end(connection: Connection): void {
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

/** Starts a worker for `request` and opens the index in it, within the open's deadline. */
export async function connect(
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
