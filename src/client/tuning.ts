import type { IndexCacheApi } from '../cache/IndexCache.js';
import type { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import type { Filter, Hit, Metric, SearchOptions, SearchResult } from '../core/types.js';

/**
 * The key of a VectorIndex's tuning port: how this package's load tester and
 * optimizer reach into an index. Not exported from the package.
 */
export const TUNING = Symbol('vicinity.tuning');

/** A query the page (or a load test) searched, with what it was answered. */
export interface LiveQuery {
  readonly query: Float32Array | string;
  readonly k: number;
  readonly filter: Filter | undefined;
  /** efSearch it ran with. */
  readonly efSearch: number;
  readonly hits: readonly Hit[];
  readonly cached: boolean;
}

export interface QueryBatch {
  readonly queries: readonly (Float32Array | string)[];
  readonly k: number;
  readonly filter?: Filter | undefined;
}

export interface TuningPort {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly monitor: PerformanceMonitor;
  readonly cache: IndexCacheApi | null;
  efSearch(): number;
  size(): number;
  /** Counts upserts and removes sent, and reopens: exact answers older than a change are void. */
  writes(): number;
  setEfSearch(efSearch: number): Promise<void>;
  /**
   * A search recorded as `loadtest`, never in the query log; past the query
   * cache unless `useCache`, so that it measures the index.
   */
  loadTestSearch(
    query: Float32Array | string,
    options: SearchOptions,
    useCache: boolean,
  ): Promise<SearchResult>;
  /** Graph answers at an efSearch, past the cache and unrecorded. */
  approximate(batch: QueryBatch, efSearch: number): Promise<Hit[][]>;
  /** True nearest neighbours, by comparing every item in the worker; unrecorded. */
  exact(batch: QueryBatch): Promise<Hit[][]>;
  /** Called after each search of the page or of a load test. Returns an unsubscribe function. */
  onSearch(listener: (query: LiveQuery) => void): () => void;
}

/** Something with a tuning port: a VectorIndex. */
export interface Tunable {
  [TUNING](): TuningPort;
}
