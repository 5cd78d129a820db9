import { expose } from 'comlink';
import { installErrorTransfer } from '../errors/errorTransfer.js';
import { IndexService } from './IndexService.js';

/*
 * hnswlib-wasm's glue prints to the console on every IDBFS sync. This worker
 * is ours alone, so its console is silenced here: the library writes nothing
 * unless the caller passes a logger (see VectorIndexOptions.logger).
 */
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  Reflect.set(console, method, () => undefined);
}

installErrorTransfer();
expose(new IndexService());
