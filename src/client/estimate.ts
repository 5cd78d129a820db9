import type { EngineKind } from '../core/types.js';
import {
  HEAP_LIMIT_BYTES,
  INITIAL_HEAP_BYTES,
  indexHeapBytes,
  slotBytes,
  snapshotBytes,
  STREAM_WINDOW_BYTES,
  usableHeapBytes,
  vectorBytes,
} from '../core/memoryModel.js';
import { VicinityError } from '../core/VicinityError.js';
import type { Quantization } from '../core/types.js';
import { DEFAULTS, QUANTIZATIONS } from '../core/defaults.js';

/** An index being planned, for `VectorIndex.estimate`. */
export interface MemoryPlan {
  readonly dimensions: number;
  /** Vectors it will hold. */
  readonly count: number;
  /** @default 16 */
  readonly M?: number;
  /** Workers in all, each holding a copy. @default 1 */
  readonly workers?: number;
  /** @default 'simd' */
  readonly engine?: EngineKind;
  /** int8 keeps 8 + dimensions bytes a vector instead of 4 · dimensions; simd engine only. @default 'none' */
  readonly quantization?: Quantization;
  /**
   * Slots the graph allocates. An index that grows by itself ends with up to
   * half again as many as it holds; one opened or imported has as many as it
   * holds. @default count
   */
  readonly capacity?: number;
}

/** What a planned index takes, by vicinity's model of hnswlib's wasm32 layout. */
export interface MemoryEstimate {
  /** WASM heap per vector held, at the planned capacity. */
  readonly bytesPerVector: number;
  /** What the index itself takes of a worker's heap, the module's own data included (`stats().memory.modelledBytes`). */
  readonly indexBytes: number;
  /**
   * One worker's WASM heap: the index and the step by which the heap grows
   * past what was asked (a fifth of it, at most 96 MiB, as Emscripten grows a
   * heap), at least the 16 MiB a module starts with.
   */
  readonly wasmHeapBytes: number;
  /** The heaps of all workers. */
  readonly totalBytes: number;
  /** The most one worker's heap can grow to with this engine. */
  readonly heapLimitBytes: number;
  /**
   * A worker's heap at its peak during a save: the SIMD engine reads its
   * index out through one 4 MiB window; hnswlib-wasm serializes the whole
   * snapshot into its heap beside the index.
   */
  readonly savePeakBytes: number;
  /**
   * Whether the index, and a save of it, stay under the limit that writes
   * are held to (5 % under `heapLimitBytes`).
   */
  readonly fits: boolean;
  /** About what a save writes: vectors, level-0 links, ids. */
  readonly snapshotBytes: number;
}

const PLAN_KEYS = new Set([
  'dimensions',
  'count',
  'M',
  'workers',
  'engine',
  'capacity',
  'quantization',
]);

function whole(plan: MemoryPlan, key: keyof MemoryPlan, min: number, fallback?: number): number {
  const value = plan[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${key} must be an integer of at least ${min}, got ${String(value)}`,
    );
  }
  return value;
}

/** The WASM heap a planned index takes; bad input fails with INVALID_OPTIONS. */
export function estimateMemory(plan: MemoryPlan): MemoryEstimate {
  if (typeof plan !== 'object' || plan === null) {
    throw new VicinityError('INVALID_OPTIONS', 'estimate takes a plan object');
  }
  for (const key of Object.keys(plan)) {
    if (!PLAN_KEYS.has(key)) throw new VicinityError('INVALID_OPTIONS', `unknown plan key ${key}`);
  }
  const dimensions = whole(plan, 'dimensions', 1);
  const count = whole(plan, 'count', 0);
  const M = whole(plan, 'M', 2, DEFAULTS.M);
  const workers = whole(plan, 'workers', 1, DEFAULTS.workers);
  const capacity = whole(plan, 'capacity', count, count);
  const engine = plan.engine ?? 'simd';
  if (engine !== 'simd' && engine !== 'hnswlib-wasm') {
    throw new VicinityError('INVALID_OPTIONS', `engine must be 'simd' or 'hnswlib-wasm'`);
  }
  const quantization = plan.quantization ?? DEFAULTS.quantization;
  if (!QUANTIZATIONS.includes(quantization)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `quantization must be one of ${QUANTIZATIONS.join(', ')}, got ${String(quantization)}`,
    );
  }
  if (quantization === 'int8' && engine !== 'simd') {
    throw new VicinityError('UNSUPPORTED_ENGINE', `quantization 'int8' needs the simd engine`);
  }
  const shape = { dimensions, M, quantization };
  const needed = indexHeapBytes(shape, capacity, count);
  const snapshot = snapshotBytes(shape, count);
  // What a save holds in the heap beside the index: a window, or the whole file.
  const beside = engine === 'simd' ? STREAM_WINDOW_BYTES : snapshot;
  const wasmHeapBytes = Math.ceil(
    Math.max(INITIAL_HEAP_BYTES, needed + Math.min(needed * 0.2, 96 * 1024 ** 2)),
  );
  const perVector = count === 0 ? slotBytes(shape) : (capacity * slotBytes(shape)) / count;
  return {
    bytesPerVector: Math.ceil(perVector + vectorBytes(shape)),
    indexBytes: Math.ceil(needed),
    wasmHeapBytes,
    totalBytes: wasmHeapBytes * workers,
    heapLimitBytes: HEAP_LIMIT_BYTES[engine],
    savePeakBytes: Math.ceil(needed + beside),
    fits: needed + beside <= usableHeapBytes(engine),
    snapshotBytes: snapshot,
  };
}
