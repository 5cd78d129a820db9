import type { EngineChoice, Metric, Quantization } from './types.js';

/** The values each option may take, checked on the page and again when storage is read. */
export const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip'];
export const QUANTIZATIONS: readonly Quantization[] = ['none', 'int8'];
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'simd', 'hnswlib-wasm'];

/**
 * Build parameters of a new index, where the caller sets none. An index that
 * exists keeps its own: the worker fills these in only when it creates one.
 */
export const BUILD_DEFAULTS = {
  metric: 'cosine',
  M: 16,
  efConstruction: 200,
  quantization: 'none',
  efSearch: 64,
} as const;

/** Every default of `VectorIndex.open`'s options. */
export const DEFAULTS = {
  ...BUILD_DEFAULTS,
  initialCapacity: 1024,
  engine: 'auto',
  workers: 1,
  timeoutMs: 30_000,
} as const;

/** The query cache's defaults. */
export const CACHE_DEFAULTS = {
  maxBytes: 8 * 1024 * 1024,
  ttlMs: 60 * 60 * 1000,
  persist: true,
  logSize: 500,
} as const;
