import { expose, proxy } from 'comlink';
import { installErrorTransfer } from '../errors/errorTransfer.js';
import { IndexService } from './IndexService.js';
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
const api: WorkerApi = { index: proxy(new IndexService()), replica: proxy(new ReplicaService()) };
expose(api);
