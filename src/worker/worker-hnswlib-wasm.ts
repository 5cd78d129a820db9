// The worker the page starts for the fallback engine, hnswlib-wasm: where the
// browser lacks WebAssembly SIMD or exception handling, or when asked for it.
import { hnswlibWasmFactory } from '../engine/hnswlib-wasm/HnswlibWasmEngine.js';
import { startWorker } from './startWorker.js';

startWorker({ 'hnswlib-wasm': hnswlibWasmFactory });
