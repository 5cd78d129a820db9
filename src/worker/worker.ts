import { expose, proxy } from 'comlink';
import { throwingWireErrors } from '../errors/wireError.js';
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

const service = new IndexService();
// Failures cross as plain data with their code (see wireError.ts), so that
// Comlink's handlers, which the page shares with other Comlink users, stay as they are.
const api: WorkerApi = {
  index: proxy(throwingWireErrors(service)),
  replica: proxy(throwingWireErrors(new ReplicaService())),
};

// See notices.ts: a call whose message could not be read is reported, in turn.
const undeliverable = () =>
  service.afterQueued(() => postMessage({ vicinity: UNDELIVERABLE } satisfies WorkerNotice));
addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.data === null || event.data === undefined) undeliverable();
});
addEventListener('messageerror', undeliverable);
expose(api);
