/** The public data types of vicinity, and the names its layers share. */

/** How a search ranks: by vector, by text (BM25), or both fused. @default 'vector' */
export type SearchMode = 'vector' | 'text' | 'hybrid';

export const SEARCH_MODES: readonly SearchMode[] = ['vector', 'text', 'hybrid'];

/**
 * The fusion of a hybrid search: `'rrf'` (reciprocal rank fusion, k 60),
 * `{ method: 'rrf', k }`, or `{ method: 'weighted', vector, text }` (each
 * side max-normalised, then weighted; weights 0.5 and 0.5 by default).
 * @default 'rrf'
 */
export type FusionOption =
  | 'rrf'
  | 'weighted'
  | { readonly method: 'rrf'; readonly k?: number }
  | { readonly method: 'weighted'; readonly vector?: number; readonly text?: number };

/** What the browser says about this origin's storage; null where it does not say. */
export interface StorageState {
  readonly usage: number | null;
  readonly quota: number | null;
  /** Whether the browser promised not to evict this origin's data. */
  readonly persisted: boolean | null;
}

export interface QueryCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), 0 before the first lookup. */
  readonly hitRate: number;
  /** Entries pushed out to make room (shrinking included). */
  readonly evictions: number;
  /** Entries found past their time to live. */
  readonly expirations: number;
  /** Answers not cached because one would take more than a tenth of the capacity. */
  readonly rejected: number;
  readonly bytes: number;
  readonly entries: number;
  readonly maxBytes: number;
}

export interface CacheStats extends QueryCacheStats {
  /** Entries read back from IndexedDB on open. */
  readonly loaded: number;
  /**
   * Stored entries deleted on open: of other index contents, expired, of an
   * older record format, or text answers of another embedder.
   */
  readonly dropped: number;
  /**
   * Stored records that failed their checks on open (unreadable, checksum
   * mismatch, an answer the index could not have given), deleted; the
   * store is cleared when it cannot be read at all.
   */
  readonly corrupt: number;
  /** Writes to IndexedDB that failed (the cache goes on in memory). */
  readonly persistErrors: number;
  /** Distinct queries in the query log. */
  readonly loggedQueries: number;
}

/** Which implementation runs: hnswlib built with WebAssembly SIMD, or the hnswlib-wasm package. */
export type EngineKind = 'simd' | 'hnswlib-wasm';

/** What the caller asks for: a named engine, or the best this browser runs. */
export type EngineChoice = 'auto' | EngineKind;

/** Distance metric of an index. */
export type Metric = 'cosine' | 'l2' | 'ip';
/** How the index stores vectors: float32, or int8 scalar codes (see README, int8 quantization). */
export type Quantization = 'none' | 'int8';

/** A JSON value, as metadata may hold. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Metadata attached to an item: a plain JSON object. */
export type Metadata = { [key: string]: JsonValue };

/** Anything vicinity accepts as a vector. */
export type VectorLike = Float32Array | readonly number[];

export interface Item {
  readonly id: string;
  readonly vector: VectorLike;
  readonly metadata?: Metadata;
  /** Text for full-text search (`search(query, { mode: 'text' | 'hybrid' })`). */
  readonly text?: string;
}

/** Where a text or hybrid hit ranked on each side: 1-based, null where that side did not return it. */
export interface HitRanks {
  readonly vector: number | null;
  readonly text: number | null;
}

export type Scalar = string | number | boolean | null;

/** Comparison operators of a filter on one field. */
export interface FieldOperators {
  $eq?: Scalar;
  $ne?: Scalar;
  $in?: readonly Scalar[];
  $nin?: readonly Scalar[];
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
}

/**
 * A declarative filter on metadata. `{ genre: 'x' }` is `$eq`; several fields
 * in one object must all match; `$and`/`$or` combine filters.
 */
export interface Filter {
  $and?: readonly Filter[];
  $or?: readonly Filter[];
  [field: string]: Scalar | FieldOperators | readonly Filter[] | undefined;
}

export interface Hit {
  readonly id: string;
  /** Higher is better: similarity for cosine and ip, `-distance` for l2. */
  readonly score: number;
  /** cosine: 1 - cos; ip: 1 - dot; l2: Euclidean distance. */
  readonly distance: number;
  readonly metadata?: Metadata;
  /** Text and hybrid searches only: which side found the hit, and at what rank. */
  readonly ranks?: HitRanks;
}

/** Hits of one query, best first. */
export interface SearchResult extends Array<Hit> {
  /** True when the answer came from the query cache, without a call to the worker. */
  readonly cached: boolean;
}

export interface SearchOptions {
  /** Number of neighbours. @default 10 */
  k?: number;
  filter?: Filter;
  /** Per-call override of the index's efSearch. */
  efSearch?: number;
  /** Vector (the default), text (BM25) or hybrid ranking: see README "Text and hybrid search". */
  mode?: SearchMode;
  /** Hybrid only: how the two rankings are fused. @default 'rrf' */
  fusion?: FusionOption;
  /** Text and hybrid: candidates each side returns before fusion. @default max(k, 40) */
  candidates?: number;
}

/** A hybrid query: a vector for the vector side and a text for the text side. */
export interface HybridQuery {
  readonly vector: VectorLike;
  readonly text: string;
}

/** A worker's memory, as `stats().memory` reports it. */
export interface MemoryStats {
  /** The WASM heap as the engine's module holds it. It grows as the index does and never shrinks. */
  readonly wasmHeapBytes: number;
  /**
   * What the index takes of that heap by vicinity's model of hnswlib's wasm32
   * layout: what `VectorIndex.estimate` gives for this count and capacity.
   */
  readonly modelledBytes: number;
  /**
   * The most a write may grow the index to, by the model: the engine's limit
   * (4 GiB for the SIMD build, 2 GiB for hnswlib-wasm) less 5 %, or the
   * `maxMemoryBytes` option. Past it, a write fails with MEMORY_LIMIT.
   */
  readonly limitBytes: number;
  /** The worker's JavaScript heap in use (ids, metadata, buffers) where the browser says (Chromium); else null. */
  readonly jsHeapBytes: number | null;
}

export interface IndexStats {
  readonly name: string;
  /** The engine that runs: hnswlib with WebAssembly SIMD, or the hnswlib-wasm package. */
  readonly engine: 'simd' | 'hnswlib-wasm';
  readonly dimensions: number;
  readonly metric: Metric;
  readonly M: number;
  readonly efConstruction: number;
  /** How vectors are stored, fixed when the index was created. */
  readonly quantization: Quantization;
  readonly efSearch: number;
  /** Live vectors. */
  readonly size: number;
  /** Removed vectors whose slots the graph still holds until reused. */
  readonly deleted: number;
  readonly capacity: number;
  /** Changes every upsert or remove; the generation of the last save once saved. */
  readonly generation: number;
  /** Generation of the snapshot in storage, or null before the first save. */
  readonly savedGeneration: number | null;
  /** Upserts and removes since the last save or open. */
  readonly unsavedChanges: number;
  /** Bytes of the WASM heap in the worker (`memory.wasmHeapBytes`). */
  readonly wasmMemoryBytes: number;
  /** The primary worker's memory: its WASM heap, what the index takes of it, its limit, its JS heap. */
  readonly memory: MemoryStats;
  /** Bytes of the snapshot last saved or opened. */
  readonly snapshotBytes: number;
  /**
   * Workers in all, those holding the index as last written (the primary
   * always does), and the queries each answered since open (the primary
   * first; a query of a batch counts one; answers of the query cache count none).
   */
  readonly workers: {
    readonly total: number;
    readonly current: number;
    readonly served: readonly number[];
  };
  /** The origin's storage, as the browser reports it. */
  readonly storage: StorageState;
  /** The failure of the last autosave, cleared by the next save that succeeds. */
  readonly autosaveError: { readonly code: string; readonly message: string } | null;
  /**
   * Another tab saved a generation newer than this one holds: searches answer
   * from the older one, and `save()` fails with CONFLICT. Reopen to catch up.
   */
  readonly stale: boolean;
  /** Set when the newest snapshot was unreadable and an older one opened. */
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  /** The query cache, or null when it is off. */
  readonly cache: CacheStats | null;
}
