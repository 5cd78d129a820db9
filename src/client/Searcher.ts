import { transfer } from 'comlink';
import type { Hit, HybridQuery, SearchOptions, SearchResult, VectorLike } from '../core/types.js';
import type { RawHit, SearchRequest, TextRequest, Timed } from '../core/protocol.js';
import type { IndexCache } from '../cache/IndexCache.js';
import type { LoggedQuery } from '../cache/QueryLog.js';
import { modeKey, queryKey } from '../cache/cacheKey.js';
import { splitTextQueries } from '../search/packTextQueries.js';
import { readSearchMode } from '../search/searchMode.js';
import { PER_QUERY_MS } from './allowances.js';
import type { CallMeter, Measured } from './CallMeter.js';
import type { IndexState } from './IndexState.js';
import type { QueryPacker } from './QueryPacker.js';
import type { LiveQuery } from './tuning.js';
import type { Workers } from './Workers.js';

type Query = VectorLike | string | HybridQuery;

/** What a Searcher works with: the index's parts it shares. */
export interface SearcherParts {
  readonly state: IndexState;
  readonly workers: Workers;
  readonly queries: QueryPacker;
  readonly meter: CallMeter;
  readonly cache: IndexCache | null;
  /** The page's tokenizer function, when the index's text is tokenised on the page. */
  readonly tokenizer: () => ((text: string) => string[]) | undefined;
}

/**
 * The search path of one index, from the checked options to the worker and
 * back: the query cache first, then a worker (see Workers), timed into the
 * monitor; text and hybrid searches run on the primary.
 */
export class Searcher {
  readonly #parts: SearcherParts;
  /** Told of each search answered (the tuning port's onSearch). */
  readonly listeners = new Set<(query: LiveQuery) => void>();

  constructor(parts: SearcherParts) {
    this.#parts = parts;
  }

  search(query: Query, options: SearchOptions): Promise<SearchResult> {
    const { mode, rest } = readSearchMode(options);
    if (mode !== 'vector') {
      return this.#textSearch([query], options).then((answers) => answers[0] as SearchResult);
    }
    return this.measured('search', query as VectorLike | string, rest, true);
  }

  /**
   * A search timed into the monitor as `operation`; a load test's stays out
   * of the query log, and out of the cache unless `useCache`.
   */
  async measured(
    operation: 'search' | 'loadtest',
    query: VectorLike | string,
    options: SearchOptions,
    useCache: boolean,
  ): Promise<SearchResult> {
    const request = this.#parts.queries.request(options);
    const efSearch = this.#efSearch(request);
    const hits = await this.#parts.meter.measure(operation, efSearch, () =>
      this.#one(query, request, operation === 'search', useCache),
    );
    this.#tell(query, request, efSearch, hits);
    return hits;
  }

  /** A logged query run again to cache its answer; not counted as the page's own call. */
  async warm(query: LoggedQuery): Promise<void> {
    let request: SearchRequest;
    try {
      request = this.#parts.queries.request({ k: query.k, filter: query.filter });
    } catch {
      return; // A query logged before today's limits is not warmed.
    }
    await this.#one(query.query, request, false, true);
  }

  async #one(
    query: VectorLike | string,
    request: SearchRequest,
    log: boolean,
    useCache: boolean,
  ): Promise<Measured<SearchResult>> {
    const { queries, workers } = this.#parts;
    const cache = useCache ? this.#parts.cache : null;
    // A vector is checked into a reused buffer; the cache compares it, and
    // everything from the first await on works on copies of it.
    const vector = typeof query === 'string' ? undefined : queries.scratch(query);
    const cacheQuery = vector ?? (query as string);
    const part = cache ? queryKey(cacheQuery) : '';
    const key = cache?.key(cacheQuery, request.k, request.efSearch, request.filter, part);
    if (cache && log) cache.record(cacheQuery, request.k, request.filter, part);
    if (key) {
      const hit = cache?.lookup(key, cacheQuery);
      if (hit) return { value: result(hit, true), cached: true };
    }
    // What is sent is transferred away: the cache keeps its own copy of the query.
    const kept = vector && key ? vector.slice() : cacheQuery;
    const packed = vector ? vector.slice() : await queries.many([query]);
    const { value: hits, workerMs } = await workers.search(packed, request);
    // Cached only if the content did not move while the search ran.
    if (key) cache?.remember(key, kept, hits);
    return { value: result(hits, false), workerMs };
  }

  /**
   * Many queries in one round trip; results in query order. Answers in the
   * query cache are taken from it; only the others are sent.
   */
  async searchBatch(batch: readonly Query[], options: SearchOptions): Promise<SearchResult[]> {
    const { mode, rest } = readSearchMode(options);
    if (mode !== 'vector') return this.#textSearch(batch, options);
    const { queries: packer, cache, meter } = this.#parts;
    const queries = batch as readonly (VectorLike | string)[];
    const request = packer.request(rest);
    if (queries.length === 0) return [];
    const efSearch = this.#efSearch(request);
    const answers = await meter.measure('searchBatch', efSearch, async () => {
      if (!cache) {
        const { value, workerMs } = await this.#many(queries, request);
        return { value: value.map((h) => result(h, false)), workerMs };
      }
      const missing: { at: number; query: Float32Array | string; key: string | null }[] = [];
      const answers: SearchResult[] = [];
      queries.forEach((q, at) => {
        const query = typeof q === 'string' ? q : packer.one(q);
        const part = queryKey(query);
        const key = cache.key(query, request.k, request.efSearch, request.filter, part);
        cache.record(query, request.k, request.filter, part);
        const hit = key ? cache.lookup(key, query) : undefined;
        if (hit) answers[at] = result(hit, true);
        else missing.push({ at, query, key });
      });
      if (missing.length === 0) return { value: answers, cached: true };
      const found = await this.#many(
        missing.map((m) => m.query),
        request,
      );
      missing.forEach(({ at, query, key }, j) => {
        const hits = found.value[j] ?? [];
        if (key) cache.remember(key, query, hits);
        answers[at] = result(hits, false);
      });
      return { value: answers, workerMs: found.workerMs };
    });
    queries.forEach((query, i) => this.#tell(query, request, efSearch, answers[i] as SearchResult));
    return answers;
  }

  async #many(
    queries: readonly (VectorLike | string)[],
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    const packed = await this.#parts.queries.many(queries);
    return this.#parts.workers.searchBatch(packed, queries.length, request);
  }

  /**
   * Text and hybrid searches (see README "Text and hybrid search"): on the
   * primary worker, through the query cache for string queries, timed as
   * `textSearch` or `hybridSearch`.
   */
  async #textSearch(queries: readonly unknown[], options: SearchOptions): Promise<SearchResult[]> {
    const { queries: packer, cache, meter, workers } = this.#parts;
    const { mode, rest, request: textRequest } = readSearchMode(options);
    const request = packer.request(rest);
    const modeRequest = (textRequest as (k: number) => TextRequest)(request.k);
    const textMode = mode as 'text' | 'hybrid';
    const split = splitTextQueries(queries, textMode, this.#parts.tokenizer());
    const { texts, vectorQueries, raw } = split;
    if (queries.length === 0) return [];
    const operation = textMode === 'text' ? 'textSearch' : 'hybridSearch';
    const efSearch = this.#efSearch(request);
    return meter.measure(operation, efSearch, async () => {
      const filter = request.filter;
      const mode = { key: modeKey(modeRequest), embeds: textMode === 'hybrid' };
      // Only string queries are cached: a { vector, text } one has no exact stored form to compare.
      const keys = queries.map((q, i) =>
        cache && typeof q === 'string'
          ? cache.key(q, request.k, request.efSearch, filter, queryKey(raw[i] as string), mode)
          : null,
      );
      const answers: SearchResult[] = [];
      const missing: number[] = [];
      keys.forEach((key, i) => {
        const hit = key ? cache?.lookup(key, raw[i] as string) : undefined;
        if (hit) answers[i] = result(hit, true);
        else missing.push(i);
      });
      if (missing.length === 0) return { value: answers, cached: true };
      const vectors =
        textMode === 'hybrid'
          ? await packer.many(missing.map((i) => vectorQueries[i] as VectorLike | string))
          : null;
      const sent = missing.map((i) => texts[i] as string);
      const { value, workerMs } = await workers.primary.call(
        (api) =>
          api.searchText(
            sent,
            vectors && transfer(vectors, [vectors.buffer]),
            request,
            modeRequest,
          ),
        missing.length * PER_QUERY_MS,
      );
      missing.forEach((at, j) => {
        const hits = value[j] ?? [];
        const key = keys[at];
        if (key) cache?.remember(key, raw[at] as string, hits);
        answers[at] = result(hits, false);
      });
      return { value: answers, workerMs };
    });
  }

  /** The efSearch a request runs at: its own, or the index's default as the page last set it. */
  #efSearch(request: SearchRequest): number {
    return request.efSearch ?? this.#parts.state.efSearch;
  }

  /** Tells the tuning port's listeners of a search answered. */
  #tell(
    query: VectorLike | string,
    request: SearchRequest,
    efSearch: number,
    hits: SearchResult,
  ): void {
    if (this.listeners.size === 0) return;
    const live: LiveQuery = {
      query: typeof query === 'string' ? query : Float32Array.from(query),
      k: request.k,
      filter: request.filter,
      efSearch,
      hits,
      cached: hits.cached,
    };
    for (const listener of this.listeners) listener(live);
  }
}

/** Hits with the flag that says where they came from (not enumerable: JSON and equality ignore it). */
function result(hits: Hit[], cached: boolean): SearchResult {
  return Object.defineProperty(hits, 'cached', { value: cached }) as SearchResult;
}
