// The worker the page starts for the SIMD engine. It must never import
// hnswlib-wasm, not even lazily: a bundler that builds workers as one
// classic script (Vite's default) would inline it.
import { simdFactory } from '../engine/SimdEngine.js';
import { startWorker } from './startWorker.js';

startWorker({ simd: simdFactory });
