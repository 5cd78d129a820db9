import { VicinityError } from './VicinityError.js';
import type { Quantization } from './types.js';
import type { EngineChoice, EngineKind } from './types.js';

// Smallest modules that use SIMD (v128) and exception handling (try/catch):
// the two features the SIMD build needs.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);
const EXCEPTIONS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 6, 64, 25, 11, 11,
]);

/** Whether this browser validates WebAssembly SIMD and exception handling, which the SIMD build needs. */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE) && WebAssembly.validate(EXCEPTIONS_PROBE);
  } catch {
    return false;
  }
}

/**
 * The engine a choice lands on in this browser: `auto` is the SIMD build
 * where it validates, hnswlib-wasm elsewhere. The page asks this before it
 * starts a worker, so that it starts the one worker file with that engine
 * and a first visit never downloads the other (validation compiles nothing:
 * the WASM module itself still loads only in the worker).
 */
export function pickEngine(choice: EngineChoice): EngineKind {
  if (choice !== 'auto') return choice;
  return simdSupported() ? 'simd' : 'hnswlib-wasm';
}

/** int8 distances run in the SIMD build's own space (native/int8_space.h); hnswlib-wasm has float32 only. */
export function assertQuantizable(kind: EngineKind, quantization: Quantization): void {
  if (quantization !== 'none' && kind !== 'simd') {
    throw new VicinityError(
      'UNSUPPORTED_ENGINE',
      `quantization '${quantization}' needs the simd engine (WebAssembly SIMD); ` +
        `this index would run on ${kind}`,
    );
  }
}
