import { VicinityError } from '../errors/VicinityError.js';
import type { Engine, EngineChoice, EngineKind, EngineParams } from './Engine.js';
import { HnswlibWasmEngine, type HnswlibLoader } from './HnswlibWasmEngine.js';
import { SimdEngine, type SimdLoader } from './SimdEngine.js';

export type { EngineChoice };

export interface EngineLoaders {
  readonly simd?: SimdLoader;
  readonly hnswlibWasm?: HnswlibLoader;
}

// Smallest modules that use SIMD (v128) and exception handling (try/catch):
// the two features the SIMD build needs.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);
const EXCEPTIONS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 6, 64, 25, 11, 11,
]);

export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE) && WebAssembly.validate(EXCEPTIONS_PROBE);
  } catch {
    return false;
  }
}

/** hnswlib-wasm's embind glue builds functions at run time: it needs 'unsafe-eval'. */
function evalAllowed(): boolean {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
}

/**
 * The engine a choice lands on, checked against what this browser and the
 * page's CSP allow: `auto` never picks an engine that cannot run.
 */
export function resolveEngine(choice: EngineChoice): EngineKind {
  const kind = choice === 'auto' ? (simdSupported() ? 'simd' : 'hnswlib-wasm') : choice;
  if (kind === 'simd' && !simdSupported()) {
    throw new VicinityError(
      'UNSUPPORTED_ENGINE',
      'this browser lacks WebAssembly SIMD or exception handling',
    );
  }
  if (kind === 'hnswlib-wasm' && !evalAllowed()) {
    throw new VicinityError(
      'CSP_BLOCKED',
      "hnswlib-wasm needs script-src 'unsafe-eval' (its glue builds functions at run time); " +
        "the 'simd' engine needs only 'wasm-unsafe-eval'",
    );
  }
  return kind;
}

/** WebAssembly compilation refused by a CSP surfaces as a CompileError naming the policy. */
function cspFailure(error: unknown): VicinityError | undefined {
  const text = String((error as Error)?.message ?? error);
  if (/Content Security Policy|unsafe-eval|wasm-eval/i.test(text)) {
    return new VicinityError(
      'CSP_BLOCKED',
      `WebAssembly compilation is blocked: the page needs script-src 'wasm-unsafe-eval' (${text})`,
      { cause: error },
    );
  }
  return undefined;
}

export interface EngineContext {
  readonly params: EngineParams;
  readonly capacity: number;
  /** IDBFS file name for hnswlib-wasm, unique per worker. */
  readonly scratchFile: string;
  readonly loaders?: EngineLoaders;
}

export async function createEngine(kind: EngineKind, context: EngineContext): Promise<Engine> {
  const { params, capacity, scratchFile, loaders } = context;
  try {
    return kind === 'simd'
      ? await SimdEngine.create(params, capacity, loaders?.simd)
      : await HnswlibWasmEngine.create(
          { params, scratchFile, loader: loaders?.hnswlibWasm },
          capacity,
        );
  } catch (error) {
    throw cspFailure(error) ?? error;
  }
}

/** Both engines write hnswlib's wasm32 layout, so either reads what the other saved. */
export async function loadEngine(
  kind: EngineKind,
  context: EngineContext,
  bytes: Uint8Array,
): Promise<Engine> {
  const { params, capacity, scratchFile, loaders } = context;
  try {
    return kind === 'simd'
      ? await SimdEngine.load(params, bytes, capacity, loaders?.simd)
      : await HnswlibWasmEngine.load(
          { params, scratchFile, loader: loaders?.hnswlibWasm },
          bytes,
          capacity,
        );
  } catch (error) {
    throw cspFailure(error) ?? error;
  }
}
