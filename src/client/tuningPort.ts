import { transfer, type Remote } from 'comlink';
import type { Hit, SearchOptions, SearchResult } from '../core/types.js';
import type { IndexServiceApi, SearchRequest, Timed } from '../core/protocol.js';
import type { IndexCache } from '../cache/IndexCache.js';
import type { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import { PER_QUERY_MS } from './allowances.js';
import type { IndexParts } from './IndexParts.js';
import type { IndexState } from './IndexState.js';
import type { PrimaryWorker } from './PrimaryWorker.js';
import type { QueryPacker } from './QueryPacker.js';
import type { LiveQuery, QueryBatch, TuningPort } from './tuning.js';

/**
 * Vector components compared per call of an exact search: 2,048 items at 100
 * dimensions, about 2 ms of worker time, which a search of the page may wait.
 */
const EXACT_SLICE_FLOATS = 204_800;

/** What an index lends its tuning port. */
export interface TuningParts {
  readonly monitor: PerformanceMonitor;
  readonly cache: IndexCache | null;
  readonly state: IndexState;
  readonly primary: PrimaryWorker;
  readonly queries: QueryPacker;
  readonly listeners: Set<(query: LiveQuery) => void>;
  readonly assertOpen: () => void;
  readonly setEfSearch: (efSearch: number) => Promise<void>;
  readonly loadTestSearch: (
    query: Float32Array | string,
    options: SearchOptions,
    useCache: boolean,
  ) => Promise<SearchResult>;
}

/** The tuning port of an index made of `parts`; every call through it checks `assertOpen` first. */
export function indexTuningPort(
  parts: IndexParts,
  monitor: PerformanceMonitor,
  assertOpen: () => void,
): TuningPort {
  return tuningPort({
    monitor,
    cache: parts.cache,
    state: parts.state,
    primary: parts.workers.primary,
    queries: parts.queries,
    listeners: parts.searcher.listeners,
    assertOpen,
    setEfSearch: (efSearch) => {
      assertOpen();
      return parts.writer.setEfSearch(efSearch);
    },
    loadTestSearch: (query, options, useCache) => {
      assertOpen();
      return parts.searcher.measured('loadtest', query, options, useCache);
    },
  });
}

/** The port the load tester and the optimizer use (see tuning.ts). */
export function tuningPort(parts: TuningParts): TuningPort {
  const { state } = parts;
  return {
    dimensions: state.params.dimensions,
    metric: state.params.metric,
    monitor: parts.monitor,
    cache: parts.cache,
    efSearch: () => state.efSearch,
    size: () => state.size,
    writes: () => state.writes,
    setEfSearch: parts.setEfSearch,
    loadTestSearch: parts.loadTestSearch,
    approximate: (batch, efSearch) =>
      unrecorded(parts, batch, efSearch, (api, packed, request) =>
        api.searchBatch(packed, batch.queries.length, request),
      ),
    exact: (batch) => exact(parts, batch),
    onSearch: (listener) => {
      parts.listeners.add(listener);
      return () => parts.listeners.delete(listener);
    },
  };
}

/**
 * True nearest neighbours, a slice of the items per call, so that searches
 * of the page wait behind a few milliseconds of it at most.
 */
async function exact(parts: TuningParts, batch: QueryBatch): Promise<Hit[][]> {
  const merged: Hit[][] = batch.queries.map(() => []);
  const k = batch.k;
  const slice = Math.max(64, Math.floor(EXACT_SLICE_FLOATS / parts.state.params.dimensions));
  for (let offset = 0; offset < parts.state.size; offset += slice) {
    const part = await unrecorded(parts, batch, undefined, (api, packed, request) =>
      api.exactSearchBatch(packed, batch.queries.length, request, { offset, limit: slice }),
    );
    part.forEach((hits, q) => {
      const all = (merged[q] as Hit[]).concat(hits);
      all.sort((a, b) => a.distance - b.distance);
      merged[q] = all.slice(0, k);
    });
  }
  return merged;
}

/** A batch on the primary, past the cache, not recorded. */
async function unrecorded(
  parts: TuningParts,
  batch: QueryBatch,
  efSearch: number | undefined,
  call: (
    api: Remote<IndexServiceApi>,
    packed: Float32Array,
    request: SearchRequest,
  ) => Promise<Timed<Hit[][]>>,
): Promise<Hit[][]> {
  parts.assertOpen();
  const request = parts.queries.request({ k: batch.k, filter: batch.filter, efSearch });
  if (batch.queries.length === 0) return [];
  const packed = await parts.queries.many(batch.queries);
  const { value } = await parts.primary.call(
    (api) => call(api, transfer(packed, [packed.buffer]), request),
    batch.queries.length * PER_QUERY_MS,
  );
  return value;
}
