import { expose, proxy, type ProxyMarked } from 'comlink';
import type { EngineFactories } from '../engine/Engine.js';
import { throwingWireErrors } from '../core/wireError.js';
import { IndexService } from './IndexService.js';
import {
  LOCK_WAIT,
  UNDELIVERABLE,
  type LockWaitNotice,
  type WorkerNotice,
} from '../core/notices.js';
import { onLockWait } from '../util/withLock.js';
import type { WorkerApi } from '../core/protocol.js';
import { ReplicaService } from './ReplicaService.js';
import { isSearchMessage } from '../core/searchWire.js';
import { answerSearch } from './searchPort.js';
import { isLaneMessage, type LaneReady } from '../core/laneMessages.js';
import type { LaneServer } from './laneServer.js';

/**
 * Serves the index in this worker with the engines its entry passes in. Each
 * engine has its own entry (worker-simd.ts, worker-hnswlib-wasm.ts), so that
 * a consumer's bundler, whatever its worker format, puts hnswlib-wasm only in
 * the file that the page starts where SIMD is missing.
 */
export function startWorker(engines: EngineFactories): void {
  /*
   * hnswlib-wasm's glue prints to the console on every IDBFS sync. This worker
   * is ours alone, so its console is silenced here: the library writes nothing
   * unless the caller passes a logger (see VectorIndexOptions.logger).
   */
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    Reflect.set(console, method, () => undefined);
  }

  // A worker is a primary or a replica: only the service the page calls is built.
  // Failures cross as plain data with their code (see wireError.ts), so that
  // Comlink's handlers, which the page shares with other Comlink users, stay as they are.
  let index: IndexService | undefined;
  let replica: ReplicaService | undefined;
  let indexApi: WorkerApi<ProxyMarked>['index'] | undefined;
  let replicaApi: WorkerApi<ProxyMarked>['replica'] | undefined;
  const api: WorkerApi<ProxyMarked> = {
    get index() {
      index ??= new IndexService(engines);
      return (indexApi ??= proxy(throwingWireErrors(index)));
    },
    get replica() {
      replica ??= new ReplicaService(engines);
      return (replicaApi ??= proxy(throwingWireErrors(replica)));
    },
  };
  // Searches come as vicinity's own messages (see searchWire.ts), answered in the same order.
  const service = (to: 'index' | 'replica') =>
    to === 'index'
      ? (index ??= new IndexService(engines))
      : (replica ??= new ReplicaService(engines));
  const post = (answer: unknown, transfer: Transferable[]) => postMessage(answer, { transfer });

  // See notices.ts: a wait for another tab's lock is not work, and the page
  // stops the waiting call's deadline while it lasts.
  onLockWait((waiting) => postMessage({ vicinity: LOCK_WAIT, waiting } satisfies LockWaitNotice));
  // See notices.ts: a call whose message could not be read is reported, in turn.
  const report = () => postMessage({ vicinity: UNDELIVERABLE } satisfies WorkerNotice);
  const undeliverable = () => (index ? index.afterQueued(report) : setTimeout(report, 0));
  // The shared lane, when the page opens one (see laneMessages.ts), orders its
  // requests by the messages read since it opened: a request sent before a
  // message is taken before it is read, and one sent after it once it has been.
  let lane: LaneServer | undefined;
  let opening = false;
  let received = 0;
  const openLane = (buffer: SharedArrayBuffer) => {
    if (opening) return;
    opening = true;
    // The page counts from the message that opens the lane, that one included.
    const before = received - 1;
    const ready = (ok: boolean) => postMessage({ vicinity: 'lane-ready', ok } satisfies LaneReady);
    import('./laneServer.js').then(
      ({ LaneServer }) => {
        lane = new LaneServer(buffer, service, post, () => received - before);
        ready(true);
      },
      () => ready(false),
    );
  };
  addEventListener('message', (event: MessageEvent<unknown>) => {
    lane?.poll();
    received++;
    const { data } = event;
    if (data === null || data === undefined) undeliverable();
    else if (isSearchMessage(data)) answerSearch(data, service, post);
    else if (isLaneMessage(data)) openLane(data.buffer);
  });
  addEventListener('messageerror', () => {
    lane?.poll();
    received++;
    undeliverable();
  });
  expose(api);
  // After Comlink has read a message, a request waiting on it can go.
  addEventListener('message', () => lane?.poll());
  addEventListener('messageerror', () => lane?.poll());
}
