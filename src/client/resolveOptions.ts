import { VicinityError } from '../core/VicinityError.js';
import { assertQuantizable, pickEngine } from '../core/engineChoice.js';
import type { LogSink, OpenRequest } from '../core/protocol.js';
import type { EngineChoice } from '../core/types.js';
import type { Metric, Quantization, VectorLike } from '../core/types.js';
import type { CacheOptions, ResolvedCacheOptions } from '../cache/IndexCache.js';
import { resolveTextOptions, type ResolvedText, type TextOptions } from '../text/textOptions.js';
import {
  CACHE_DEFAULTS,
  DEFAULTS,
  ENGINE_CHOICES,
  METRICS,
  QUANTIZATIONS,
} from '../core/defaults.js';

/** Turns texts into vectors; enables `search('some text')`. */
export type Embedder = (texts: string[]) => Promise<VectorLike[]> | VectorLike[];

export interface VectorIndexOptions {
  /** Vector length. Required when the index does not exist yet. */
  dimensions?: number;
  /** Fixed once created. @default 'cosine' */
  metric?: Metric;
  /** Links per node, fixed once created. @default 16 */
  M?: number;
  /** Build-time search width, fixed once created. @default 200 */
  efConstruction?: number;
  /**
   * How vectors are stored, fixed once created: `int8` keeps one byte a
   * dimension (scalar codes, distances in WebAssembly SIMD) instead of four;
   * `get()` then returns the dequantised, approximate vector. int8 runs on the
   * SIMD engine only. @default 'none'
   */
  quantization?: Quantization;
  /** Search width; higher is slower and more accurate. @default 64, or the saved value */
  efSearch?: number;
  embed?: Embedder;
  /** Vectors the graph has room for before it first grows. @default 1024 */
  initialCapacity?: number;
  /**
   * A ceiling, in bytes, on the WASM heap the index may take, below the
   * engine's own (see `stats().memory.limitBytes`): a write that would grow
   * the index past it fails with MEMORY_LIMIT and changes nothing.
   */
  maxMemoryBytes?: number;
  /**
   * Which HNSW build runs. `auto` takes hnswlib with WebAssembly SIMD where the
   * browser has SIMD, otherwise the hnswlib-wasm package. Either engine opens
   * what the other saved. @default 'auto'
   */
  engine?: EngineChoice;
  /**
   * Workers in all: the primary, which takes every write, and read-only
   * copies of the index that share searches. @default 1
   */
  workers?: number;
  /**
   * Base deadline of a call to the worker, in ms, counted from when the
   * worker starts it (not while it waits behind earlier calls); calls whose
   * work grows with their input get more, and an open 10 s more. A call past
   * its deadline fails with TIMEOUT and the worker is replaced. @default 30000
   */
  timeoutMs?: number;
  /**
   * Saves by itself this many ms after the last write (debounced); a failed
   * autosave shows in `stats().autosaveError`. Off when not set.
   */
  autosaveMs?: number;
  /** Asks the browser to keep this origin's data under storage pressure. @default false */
  persist?: boolean;
  /** Receives debug logs. Without it, vicinity writes nothing anywhere. */
  logger?: LogSink;
  /**
   * The query cache: answers of past searches served on the page without a
   * call to the worker, kept across reloads. `false` turns it off.
   * @default { maxBytes: 8 MiB, ttlMs: 1 hour, persist: true, logSize: 500 }
   */
  cache?: CacheOptions | false;
  /** Full-text search: metadata fields to index beside items' `text`, and the tokenizer. See TextOptions. */
  text?: TextOptions;
}

// The option types must hold the defaults.
DEFAULTS satisfies Required<
  Pick<
    VectorIndexOptions,
    | 'metric'
    | 'M'
    | 'efConstruction'
    | 'quantization'
    | 'efSearch'
    | 'initialCapacity'
    | 'engine'
    | 'workers'
    | 'timeoutMs'
  >
>;
CACHE_DEFAULTS satisfies ResolvedCacheOptions;

export interface ResolvedOptions {
  readonly name: string;
  readonly dimensions: number | undefined;
  readonly metric: Metric | undefined;
  readonly M: number | undefined;
  readonly efConstruction: number | undefined;
  readonly quantization: Quantization | undefined;
  readonly efSearch: number | undefined;
  readonly initialCapacity: number;
  readonly maxMemoryBytes: number | undefined;
  readonly engine: EngineChoice;
  readonly workers: number;
  readonly timeoutMs: number;
  readonly autosaveMs: number | undefined;
  readonly persist: boolean;
  readonly embed: Embedder | undefined;
  readonly logger: LogSink | undefined;
  readonly cache: ResolvedCacheOptions | null;
  readonly text: ResolvedText;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const KNOWN = new Set([
  'cache',
  'autosaveMs',
  'persist',
  'engine',
  'workers',
  'timeoutMs',
  'dimensions',
  'metric',
  'M',
  'efConstruction',
  'quantization',
  'efSearch',
  'embed',
  'initialCapacity',
  'maxMemoryBytes',
  'logger',
  'text',
]);

function integer(
  options: VectorIndexOptions,
  key: keyof VectorIndexOptions,
  min: number,
  max: number,
) {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${key} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Checks options once. Build parameters the caller did not set stay
 * undefined, so that reopening takes them from storage instead of a default.
 */
export function resolveOptions(name: unknown, options: VectorIndexOptions = {}): ResolvedOptions {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      'the index name must be a non-empty string of at most 200 characters',
    );
  }
  // Names become database and file names, which must be valid Unicode.
  if (LONE_SURROGATE.test(name)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      'the index name must be well-formed Unicode (it holds a lone surrogate)',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new VicinityError('INVALID_OPTIONS', 'options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new VicinityError('INVALID_OPTIONS', `unknown option "${key}"`);
  }
  if (options.metric !== undefined && !METRICS.includes(options.metric)) {
    throw new VicinityError('INVALID_OPTIONS', `metric must be one of ${METRICS.join(', ')}`);
  }
  if (options.quantization !== undefined && !QUANTIZATIONS.includes(options.quantization)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `quantization must be one of ${QUANTIZATIONS.join(', ')}, got ${String(options.quantization)}`,
    );
  }
  if (options.engine !== undefined && !ENGINE_CHOICES.includes(options.engine)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `engine must be one of ${ENGINE_CHOICES.join(', ')}`,
    );
  }
  // Before any worker starts: int8 where it cannot run creates nothing.
  if (options.quantization !== undefined) {
    assertQuantizable(pickEngine(options.engine ?? DEFAULTS.engine), options.quantization);
  }
  if (options.persist !== undefined && typeof options.persist !== 'boolean') {
    throw new VicinityError('INVALID_OPTIONS', 'persist must be a boolean');
  }
  for (const key of ['embed', 'logger'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new VicinityError('INVALID_OPTIONS', `${key} must be a function`);
    }
  }
  return {
    name,
    dimensions: integer(options, 'dimensions', 1, 65_536),
    metric: options.metric,
    M: integer(options, 'M', 2, 2048),
    efConstruction: integer(options, 'efConstruction', 1, 1_000_000),
    quantization: options.quantization,
    efSearch: integer(options, 'efSearch', 1, 1_000_000),
    initialCapacity:
      integer(options, 'initialCapacity', 1, 2 ** 31 - 1) ?? DEFAULTS.initialCapacity,
    maxMemoryBytes: integer(options, 'maxMemoryBytes', 1, Number.MAX_SAFE_INTEGER),
    engine: options.engine ?? DEFAULTS.engine,
    workers: integer(options, 'workers', 1, 16) ?? DEFAULTS.workers,
    timeoutMs: integer(options, 'timeoutMs', 100, 3_600_000) ?? DEFAULTS.timeoutMs,
    autosaveMs: integer(options, 'autosaveMs', 0, 3_600_000),
    persist: options.persist === true,
    embed: options.embed,
    logger: options.logger,
    cache: resolveCache(options.cache),
    text: resolveTextOptions(options.text),
  };
}

const CACHE_KEYS = new Set(Object.keys(CACHE_DEFAULTS));

function resolveCache(cache: VectorIndexOptions['cache']): ResolvedCacheOptions | null {
  if (cache === false) return null;
  if (cache === undefined) return CACHE_DEFAULTS;
  if (typeof cache !== 'object' || cache === null) {
    throw new VicinityError('INVALID_OPTIONS', 'cache must be an object or false');
  }
  for (const key of Object.keys(cache)) {
    if (!CACHE_KEYS.has(key))
      throw new VicinityError('INVALID_OPTIONS', `unknown cache option "${key}"`);
  }
  if (cache.persist !== undefined && typeof cache.persist !== 'boolean') {
    throw new VicinityError('INVALID_OPTIONS', 'cache.persist must be a boolean');
  }
  const bounded = (key: 'maxBytes' | 'ttlMs' | 'logSize', min: number, max: number) => {
    const value = cache[key];
    if (value === undefined) return CACHE_DEFAULTS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `cache.${key} must be an integer from ${min} to ${max}, got ${String(value)}`,
      );
    }
    return value;
  };
  return {
    maxBytes: bounded('maxBytes', 1024, 2 ** 31 - 1),
    ttlMs: bounded('ttlMs', 1, 365 * 24 * 3600 * 1000),
    persist: cache.persist ?? CACHE_DEFAULTS.persist,
    logSize: bounded('logSize', 0, 100_000),
  };
}

/** What the worker opens (or creates) the index with. */
export function openRequest(resolved: ResolvedOptions): OpenRequest {
  return {
    name: resolved.name,
    dimensions: resolved.dimensions,
    metric: resolved.metric,
    M: resolved.M,
    efConstruction: resolved.efConstruction,
    quantization: resolved.quantization,
    efSearch: resolved.efSearch,
    initialCapacity: resolved.initialCapacity,
    maxMemoryBytes: resolved.maxMemoryBytes,
    engine: resolved.engine,
    ...(resolved.text.config === undefined ? {} : { text: resolved.text.config }),
  };
}
