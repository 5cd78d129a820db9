import { expose, proxy } from 'comlink';
import { installErrorTransfer } from '../errors/errorTransfer.js';
import { IndexService } from './IndexService.js';
import { UNDELIVERABLE, type WorkerNotice } from './notices.js';
import type { WorkerApi } from './protocol.js';
import { ReplicaService } from './ReplicaService.js';

/*
 * hnswlib-wasm's glue prints to the console on every IDBFS sync. This worker
 * is ours alone, so its console is silenced here: the library writes nothing
 * unless the caller passes a logger (see VectorIndexOptions.logger).
 */
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  Reflect.set(console, method, () => undefined);
}

installErrorTransfer();
const service = new IndexService();
const api: WorkerApi = { index: proxy(service), replica: proxy(new ReplicaService()) };

// See notices.ts: a call whose message could not be read is reported, in turn.
const undeliverable = () =>
  service.afterQueued(() => postMessage({ vicinity: UNDELIVERABLE } satisfies WorkerNotice));
addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.data === null || event.data === undefined) undeliverable();
});
addEventListener('messageerror', undeliverable);
expose(api);
