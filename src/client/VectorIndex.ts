import { transfer, type Remote } from 'comlink';
import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import { readHeader } from '../native/nativeLayout.js';
import {
  deleteStoredIndex,
  listStoredIndexes,
  requestPersistence,
  storageState,
} from '../storage/storeCatalog.js';
import { ContentVersion } from '../cache/ContentVersion.js';
import { IndexCache, type IndexCacheApi } from '../cache/IndexCache.js';
import { modeKey, queryKey } from '../cache/cacheKey.js';
import { splitTextQueries } from '../search/packTextQueries.js';
import { readSearchMode } from '../search/searchMode.js';
import { type TextRequest } from '../core/protocol.js';
import { textForWorker } from '../text/textOptions.js';
import type { TextConfig } from '../core/protocol.js';
import type { LoggedQuery } from '../cache/QueryLog.js';
import type {
  Hit,
  HybridQuery,
  IndexStats,
  Item,
  Metadata,
  Metric,
  SearchOptions,
  SearchResult,
  VectorLike,
} from '../core/types.js';
import { assertMetadata } from '../validation/plainData.js';
import { assertEf, assertId, assertIds, packItems } from '../validation/validateInput.js';
import type {
  IndexServiceApi,
  EngineParams,
  NativeExport,
  OpenRequest,
  OpenResult,
  SearchRequest,
  Timed,
} from '../core/protocol.js';
import { PageHealth } from '../monitor/PageHealth.js';
import { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import type { IndexGauges } from '../export/toPrometheus.js';
import { CallMeter, type Measured } from './CallMeter.js';
import { assertNotStored, labelParts, openSource, type ImportOptions } from './nativeImport.js';
import { estimateMemory, type MemoryEstimate, type MemoryPlan } from './estimate.js';
import { PrimaryWorker } from './PrimaryWorker.js';
import { QueryPacker } from './QueryPacker.js';
import { ReplicaPool } from './ReplicaPool.js';
import { TUNING, type LiveQuery, type QueryBatch, type TuningPort } from './tuning.js';
import { resolveOptions, type ResolvedOptions, type VectorIndexOptions } from './resolveOptions.js';

/*
 * Allowances beyond the base deadline (VectorIndexOptions.timeoutMs) for
 * calls whose work grows with their input; each is far above what the slower
 * engine needed here (about 0.8 ms to insert a vector into 100k, 0.3 ms per
 * query at efSearch 512, 35 µs per vector to save).
 */
const PER_VECTOR_MS = 20;
const PER_QUERY_MS = 10;
const PER_VECTOR_SAVE_MS = 1;
/**
 * Vector components compared per call of an exact search: 2,048 items at 100
 * dimensions, about 2 ms of worker time, which a search of the page may wait.
 */
const EXACT_SLICE_FLOATS = 204_800;

/** Indexes open in this page, so that `delete` can close them first. */
const openIndexes = new Map<string, Set<VectorIndex>>();

/**
 * A vector index that lives in a Web Worker. Every method validates its input
 * on the page, crosses to the worker once (vectors as transferables), and
 * rejects only with VicinityError.
 */
export class VectorIndex {
  readonly name: string;
  readonly dimensions: number;
  readonly metric: Metric;
  #primary: PrimaryWorker;
  #pool: ReplicaPool;
  /** Queries the primary answered since open (stats().workers.served). */
  #servedByPrimary = 0;
  #options: ResolvedOptions;
  #params: EngineParams;
  #size: number;
  /** Live vectors in the generation last saved or opened: what a failed worker reopens. */
  #savedSize: number;
  #closed = false;
  /** The close under way, once asked for. */
  #closing: Promise<void> | null = null;
  /** Writes sent (ContentVersion.sent) when the last save that succeeded was called. */
  #savedThrough = 0;
  /** Saves under way: close waits for them, so that they finish and other tabs are told. */
  readonly #saves = new Set<Promise<unknown>>();
  #autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Tells other tabs of this page's saves, and hears of theirs. */
  #channel: BroadcastChannel | undefined;
  readonly #id = crypto.randomUUID();
  /** Another tab saved a generation newer than this one holds. */
  #stale = false;
  #autosaveError: IndexStats['autosaveError'] = null;
  #cache: IndexCache | null;
  /** Names the content that answers, for the query cache's keys. */
  readonly #version: ContentVersion;
  /** The index's default efSearch, as last set. */
  #efSearch: number;
  /** Times the page's calls into the monitor; the warmer's own are not counted. */
  readonly #meter: CallMeter;
  readonly #queries: QueryPacker;
  /** Every public operation, timed on the page, with the worker's own share. */
  readonly monitor: PerformanceMonitor;
  /** Upserts and removes sent, and reopens (see TuningPort.writes). */
  #writes = 0;
  #tuning: TuningPort | undefined;
  readonly #searchListeners = new Set<(query: LiveQuery) => void>();
  /** How the worker indexes text, as it said on open. */
  #textConfig: TextConfig | undefined;

  private constructor(
    options: ResolvedOptions,
    primary: PrimaryWorker,
    opened: OpenResult,
    monitor: PerformanceMonitor,
  ) {
    this.name = options.name;
    this.dimensions = opened.params.dimensions;
    this.metric = opened.params.metric;
    this.#options = options;
    this.#params = opened.params;
    this.#primary = primary;
    this.#pool = new ReplicaPool(
      options.workers - 1,
      () => this.#primary.call((api) => api.exportSnapshot(), this.#size * PER_VECTOR_SAVE_MS),
      options.timeoutMs,
      options.engine,
    );
    this.#size = opened.size;
    this.#textConfig = opened.text;
    this.#savedSize = opened.created ? 0 : opened.size;
    this.monitor = monitor;
    this.#meter = new CallMeter(monitor);
    this.#queries = new QueryPacker(this.dimensions, this.metric, options.embed, options.timeoutMs);
    this.#efSearch = opened.efSearch;
    this.#version = new ContentVersion(this.#id, opened.checksum);
    primary.onFailed = () => {
      this.#size = this.#savedSize;
    };
    primary.onReopen = (reopened) => {
      this.#writes++;
      this.#size = reopened.size;
      this.#savedSize = reopened.created ? 0 : reopened.size;
      this.#savedThrough = this.#version.sent;
      this.#stale = false;
      this.#efSearch = reopened.efSearch;
      this.#textConfig = reopened.text;
      this.#version.reopened(reopened.checksum);
      this.#pool.changed();
    };
    this.#cache = options.cache
      ? new IndexCache(
          options.name,
          options.cache,
          {
            version: () => this.#cacheVersion(),
            efSearch: () => this.#efSearch,
            warmSearch: (query) => this.#warmSearch(query),
            busy: () => this.#meter.busy,
            embed: options.embed,
          },
          options.logger,
        )
      : null;
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(`vicinity:${this.name}`);
      this.#channel.onmessage = (event: MessageEvent<{ source: string; generation: number }>) =>
        this.#otherTabSaved(event.data);
    }
  }

  /**
   * Opens the index called `name`, creating it when it does not exist (then
   * `dimensions` is required). Reopening with other dimensions, metric, M or
   * efConstruction or quantization than it was created with fails with INCOMPATIBLE_OPTIONS.
   */
  static async open(name: string, options?: VectorIndexOptions): Promise<VectorIndex> {
    const resolved = resolveOptions(name, options);
    // A copy open in this page may not be saved yet: check against it too.
    for (const open of openIndexes.get(resolved.name) ?? [])
      assertSameBuild(resolved, open.#params);
    const monitor = new PerformanceMonitor({ page: PageHealth.shared() });
    const startedAt = monitor.begin();
    const started = PrimaryWorker.start(openRequest(resolved), resolved.logger, resolved.timeoutMs);
    // A failed open leaves no monitor behind to claim the page's long tasks.
    const { primary, opened } = await started.catch((error: unknown) => {
      monitor.dispose();
      throw error;
    });
    return VectorIndex.#opened(resolved, primary, opened, monitor, startedAt);
  }

  /** The index object over a worker that has opened (or imported) it. */
  static async #opened(
    resolved: ResolvedOptions,
    primary: PrimaryWorker,
    opened: OpenResult,
    monitor: PerformanceMonitor,
    startedAt: number,
  ): Promise<VectorIndex> {
    if (resolved.persist) await requestPersistence();
    const index = new VectorIndex(resolved, primary, opened, monitor);
    monitor.record({ operation: 'open', startedAt, totalMs: monitor.now() - startedAt });
    // Answers saved by earlier visits load in the background; until then, searches miss.
    void index.#cache?.load();
    let set = openIndexes.get(resolved.name);
    if (!set) openIndexes.set(resolved.name, (set = new Set()));
    set.add(index);
    return index;
  }

  /** Deletes an index and everything it stored; open copies in this page are closed first. */
  static async delete(name: string): Promise<void> {
    resolveOptions(name);
    // Their unsaved changes go with the index: a failed last autosave does not stop the delete.
    await Promise.allSettled([...(openIndexes.get(name) ?? [])].map((index) => index.close()));
    await deleteStoredIndex(name);
    await IndexCache.delete(name);
  }

  /**
   * The WASM heap a planned index will take, per worker and for all of them,
   * by vicinity's model of hnswlib's wasm32 layout, and whether it fits the
   * engine's limit. Pure: opens nothing.
   */
  static estimate(plan: MemoryPlan): MemoryEstimate {
    return estimateMemory(plan);
  }

  /** Names of the indexes saved in this origin. */
  static list(): Promise<string[]> {
    return listStoredIndexes();
  }

  /**
   * Creates the index `name` from a file written by native hnswlib (64-bit
   * `size_t`), and opens it. The file streams to the worker, which converts
   * it to the wasm32 layout as it arrives; once complete, every size, offset
   * and link is checked, each live label is given its id and metadata, and
   * the index is saved as its first generation before this resolves.
   * `name` must not exist yet (CONFLICT). A malformed file is
   * INDEX_CORRUPTED, one of other dimensions DIMENSION_MISMATCH, a cosine
   * file whose vectors are not unit length INCOMPATIBLE_OPTIONS, ids that do
   * not match the file's labels INVALID_OPTIONS; nothing is saved then.
   */
  static async import(name: string, options: ImportOptions): Promise<VectorIndex> {
    if (typeof options !== 'object' || options === null) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        'import takes { hnswlib, ids, metric, dimensions }',
      );
    }
    const { hnswlib, ids, metadata, onProgress, ...open } = options;
    for (const key of ['M', 'efConstruction'] as const) {
      if (key in open) {
        throw new VicinityError('INVALID_OPTIONS', `${key} is read from the file; leave it out`);
      }
    }
    if (open.metric === undefined || open.dimensions === undefined) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        'import needs metric and dimensions: hnswlib files do not record the metric',
      );
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new VicinityError('INVALID_OPTIONS', 'onProgress must be a function');
    }
    const checked = resolveOptions(name, open);
    const dimensions = open.dimensions;
    const idParts = await labelParts(ids, 'ids', (id, where) => {
      assertId(id, where);
      return id;
    });
    const metadataParts =
      metadata === undefined
        ? []
        : await labelParts(metadata, 'metadata', (m, where) => {
            assertMetadata(m, where);
            return m as Metadata;
          });
    if ((openIndexes.get(checked.name)?.size ?? 0) > 0) {
      throw new VicinityError('CONFLICT', `index "${checked.name}" is open in this page`);
    }
    await assertNotStored(checked.name);
    const source = await openSource(hnswlib);
    const monitor = new PerformanceMonitor({ page: PageHealth.shared() });
    let primary: PrimaryWorker | undefined;
    try {
      const startedAt = monitor.begin();
      // The header first: M and efConstruction are build parameters the
      // index is created with, and what a replacement worker reopens with.
      const first = await source.chunks.next();
      const head = first.done ? new Uint8Array(0) : first.value;
      const header = readHeader(head, 'native64', dimensions);
      const resolved = resolveOptions(name, {
        ...open,
        M: header.M,
        efConstruction: header.efConstruction,
      });
      const started = await PrimaryWorker.start(
        openRequest(resolved),
        resolved.logger,
        resolved.timeoutMs,
      );
      primary = started.primary;
      const worker = primary;
      await worker.call((api) => api.importBegin({ totalBytes: source.totalBytes }));
      for (const part of idParts) await worker.call((api) => api.importIds(part));
      for (const part of metadataParts) await worker.call((api) => api.importMetadata(part));
      for (let next = first; !next.done; next = await source.chunks.next()) {
        const chunk = next.value;
        const progress = await worker.call((api) =>
          api.importChunk(transfer(chunk, [chunk.buffer])),
        );
        try {
          onProgress?.(progress);
        } catch (error) {
          resolved.logger?.('warn', `onProgress threw: ${String(error)}`);
        }
      }
      // Checking, loading and saving grow with the count, like a save.
      const imported = await worker.call(
        (api) => api.importEnd(),
        2 * header.count * PER_VECTOR_SAVE_MS,
      );
      worker.saved(imported.generation);
      return await VectorIndex.#opened(resolved, worker, imported, monitor, startedAt);
    } catch (error) {
      source.cancel();
      await primary?.close();
      monitor.dispose();
      throw toVicinityError(error, 'ENGINE_ERROR', 'importing the index');
    }
  }

  /** Live vectors, as of the last completed write. */
  get size(): number {
    return this.#size;
  }

  /** The gauges the exporters publish beside the monitor's figures. */
  gauges(): IndexGauges {
    return {
      index: this.name,
      size: this.#size,
      efSearch: this.#efSearch,
      cacheBytes: this.#cache?.stats().bytes ?? 0,
    };
  }

  /** The query cache (statistics, resize, warm), or null when opened with `cache: false`. */
  get cache(): IndexCacheApi | null {
    return this.#cache;
  }

  /** Adds items, or replaces those whose id exists. A batch with one bad item changes nothing. */
  async upsert(items: readonly Item[]): Promise<void> {
    this.#assertOpen();
    const { ids, vectors, metadata } = packItems(items, this.dimensions, this.metric);
    if (ids.length === 0) return;
    const texts = this.#itemTexts(items);
    // Replicas and cached answers go stale before the write is sent: a search
    // called after this one, even before it resolves, must see it.
    this.#pool.changed();
    this.#version.sending();
    this.#writes++;
    const result = await this.#meter.measure('upsert', undefined, async () => {
      const done = await this.#primary.call(
        (api) =>
          texts === undefined
            ? api.upsert(ids, transfer(vectors, [vectors.buffer]), metadata)
            : api.upsert(ids, transfer(vectors, [vectors.buffer]), metadata, texts),
        ids.length * PER_VECTOR_MS,
      );
      return { value: done, workerMs: done.workerMs };
    });
    this.#size = result.size;
    this.#primary.wrote(result.changed);
    this.#scheduleAutosave();
  }

  /** Removes ids; ids that do not exist are ignored. Resolves with how many were removed. */
  async remove(ids: readonly string[]): Promise<number> {
    this.#assertOpen();
    if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'remove takes an array of ids');
    assertIds(ids, 'ids');
    if (ids.length === 0) return 0;
    this.#pool.changed();
    this.#version.sending();
    this.#writes++;
    const result = await this.#meter.measure('remove', undefined, async () => {
      const done = await this.#primary.call((api) => api.remove([...ids]));
      return { value: done, workerMs: done.workerMs };
    });
    this.#size = result.size;
    this.#primary.wrote(result.changed);
    if (result.changed > 0) this.#scheduleAutosave();
    return result.changed;
  }

  /**
   * The k nearest items, best first. A string query needs the `embed` option.
   * An answer in the query cache comes back without a call to the worker
   * (`result.cached`).
   */
  search(
    query: VectorLike | string | HybridQuery,
    options: SearchOptions = {},
  ): Promise<SearchResult> {
    const { mode, rest } = readSearchMode(options);
    if (mode !== 'vector') {
      return this.#textSearch([query], options).then((answers) => answers[0] as SearchResult);
    }
    return this.#measuredSearch('search', query as VectorLike | string, rest, true);
  }

  /** Items' texts for the worker, or undefined when no item of the batch has any. */
  #itemTexts(items: readonly Item[]): (string | undefined)[] | undefined {
    if (!items.some((item) => item.text !== undefined)) return undefined;
    const tokenize = this.#tokenizer();
    return items.map((item, i) =>
      item.text === undefined ? undefined : textForWorker(item.text, tokenize, `items[${i}]`),
    );
  }

  /** The page's tokenizer function, when the index's text is tokenised on the page. */
  #tokenizer(): ((text: string) => string[]) | undefined {
    const tokenize = this.#options.text.tokenize;
    if (this.#textConfig?.tokenizer === 'pretokenized' && !tokenize) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `index "${this.name}" tokenises text with a function on the page: pass it as text.tokenizer`,
      );
    }
    return tokenize;
  }

  /**
   * Text and hybrid searches (see README "Text and hybrid search"): on the
   * primary worker, through the query cache for string queries, timed as
   * `textSearch` or `hybridSearch`.
   */
  async #textSearch(queries: readonly unknown[], options: SearchOptions): Promise<SearchResult[]> {
    this.#assertOpen();
    const { mode, rest, request: textRequest } = readSearchMode(options);
    const request = this.#queries.request(rest);
    const modeRequest = (textRequest as (k: number) => TextRequest)(request.k);
    const textMode = mode as 'text' | 'hybrid';
    const { texts, vectorQueries, raw } = splitTextQueries(queries, textMode, this.#tokenizer());
    if (queries.length === 0) return [];
    const operation = textMode === 'text' ? 'textSearch' : 'hybridSearch';
    const efSearch = request.efSearch ?? this.#efSearch;
    return this.#meter.measure(operation, efSearch, async () => {
      const cache = this.#cache;
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
          ? await this.#queries.many(missing.map((i) => vectorQueries[i] as VectorLike | string))
          : null;
      const sent = missing.map((i) => texts[i] as string);
      const { value, workerMs } = await this.#primary.call(
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

  /**
   * A search timed into the monitor as `operation`; a load test's stays out
   * of the query log, and out of the cache unless `useCache`.
   */
  async #measuredSearch(
    operation: 'search' | 'loadtest',
    query: VectorLike | string,
    options: SearchOptions,
    useCache: boolean,
  ): Promise<SearchResult> {
    this.#assertOpen();
    const request = this.#queries.request(options);
    const efSearch = request.efSearch ?? this.#efSearch;
    const hits = await this.#meter.measure(operation, efSearch, () =>
      this.#search(query, request, operation === 'search', useCache),
    );
    this.#tell(query, request, efSearch, hits);
    return hits;
  }

  /** Tells the tuning port's listeners of a search answered. */
  #tell(
    query: VectorLike | string,
    request: SearchRequest,
    efSearch: number,
    hits: SearchResult,
  ): void {
    if (this.#searchListeners.size === 0) return;
    const live: LiveQuery = {
      query: typeof query === 'string' ? query : Float32Array.from(query),
      k: request.k,
      filter: request.filter,
      efSearch,
      hits,
      cached: hits.cached,
    };
    for (const listener of this.#searchListeners) listener(live);
  }

  /** The load tester's and the optimizer's way in; not part of the API. */
  [TUNING](): TuningPort {
    this.#tuning ??= {
      monitor: this.monitor,
      cache: this.#cache,
      efSearch: () => this.#efSearch,
      size: () => this.#size,
      writes: () => this.#writes,
      setEfSearch: (efSearch) => this.setEfSearch(efSearch),
      loadTestSearch: (query, options, useCache) =>
        this.#measuredSearch('loadtest', query, options, useCache),
      approximate: (batch, efSearch) =>
        this.#unrecorded(batch, efSearch, (api, packed, request) =>
          api.searchBatch(packed, batch.queries.length, request),
        ),
      exact: (batch) => this.#exact(batch),
      onSearch: (listener) => {
        this.#searchListeners.add(listener);
        return () => this.#searchListeners.delete(listener);
      },
    };
    return this.#tuning;
  }

  /**
   * True nearest neighbours for the tuning port, a slice of the items per call,
   * so that searches of the page wait behind a few milliseconds of it at most.
   */
  async #exact(batch: QueryBatch): Promise<Hit[][]> {
    const merged: Hit[][] = batch.queries.map(() => []);
    const k = batch.k;
    const slice = Math.max(64, Math.floor(EXACT_SLICE_FLOATS / this.dimensions));
    for (let offset = 0; offset < this.#size; offset += slice) {
      const part = await this.#unrecorded(batch, undefined, (api, packed, request) =>
        api.exactSearchBatch(packed, batch.queries.length, request, {
          offset,
          limit: slice,
        }),
      );
      part.forEach((hits, q) => {
        const all = (merged[q] as Hit[]).concat(hits);
        all.sort((a, b) => a.distance - b.distance);
        merged[q] = all.slice(0, k);
      });
    }
    return merged;
  }

  /** A batch for the tuning port: on the primary, past the cache, not recorded. */
  async #unrecorded(
    batch: QueryBatch,
    efSearch: number | undefined,
    call: (
      api: Remote<IndexServiceApi>,
      packed: Float32Array,
      request: SearchRequest,
    ) => Promise<Timed<Hit[][]>>,
    allowanceMs = batch.queries.length * PER_QUERY_MS,
  ): Promise<Hit[][]> {
    this.#assertOpen();
    const request = this.#queries.request({ k: batch.k, filter: batch.filter, efSearch });
    if (batch.queries.length === 0) return [];
    const packed = await this.#queries.many(batch.queries);
    const { value } = await this.#primary.call(
      (api) => call(api, transfer(packed, [packed.buffer]), request),
      allowanceMs,
    );
    return value;
  }

  async #search(
    query: VectorLike | string,
    request: SearchRequest,
    log: boolean,
    useCache: boolean,
  ): Promise<Measured<SearchResult>> {
    const cache = useCache ? this.#cache : null;
    // A vector is checked into a reused buffer; the cache compares it, and
    // everything from the first await on works on copies of it.
    const vector = typeof query === 'string' ? undefined : this.#queries.scratch(query);
    const cacheQuery = vector ?? (query as string);
    const part = cache ? queryKey(cacheQuery) : '';
    const filter = request.filter;
    const key = cache?.key(cacheQuery, request.k, request.efSearch, filter, part);
    if (cache && log) cache.record(cacheQuery, request.k, filter, part);
    if (key) {
      const hit = cache?.lookup(key, cacheQuery);
      if (hit) return { value: result(hit, true), cached: true };
    }
    // What is sent is transferred away: the cache keeps its own copy of the query.
    const kept = vector && key ? vector.slice() : cacheQuery;
    const packed = vector ? vector.slice() : await this.#queries.many([query]);
    const replica = this.#pool.pick(this.#primary.inFlight);
    const { value: hits, workerMs } = replica
      ? await this.#pool.run(replica, 1, (r) =>
          r.search(transfer(packed, [packed.buffer]), request),
        )
      : await this.#primary.call((api) => api.search(transfer(packed, [packed.buffer]), request));
    if (!replica) this.#servedByPrimary++;
    // Cached only if the content did not move while the search ran.
    if (key) cache?.remember(key, kept, hits);
    return { value: result(hits, false), workerMs };
  }

  /** A logged query run again to cache its answer; not counted as the page's own call. */
  async #warmSearch(query: LoggedQuery): Promise<void> {
    if (this.#closed) return;
    let request: SearchRequest;
    try {
      request = this.#queries.request({ k: query.k, filter: query.filter });
    } catch {
      return; // A query logged before today's limits is not warmed.
    }
    await this.#search(query.query, request, false, true);
  }

  /**
   * The content version for cache keys; null while another tab holds newer
   * content, and while a failed worker is being replaced: then nothing is
   * served from the cache.
   */
  #cacheVersion(): string | null {
    return this.#stale || this.#primary.recovering || this.#primary.broken
      ? null
      : this.#version.current();
  }

  /**
   * Many queries in one round trip to the worker; results in query order.
   * Answers in the query cache are taken from it; only the others are sent.
   */
  async searchBatch(
    batch: readonly (VectorLike | string | HybridQuery)[],
    options: SearchOptions = {},
  ): Promise<SearchResult[]> {
    this.#assertOpen();
    if (!Array.isArray(batch))
      throw new VicinityError('INVALID_VECTOR', 'searchBatch takes an array of queries');
    const { mode, rest } = readSearchMode(options);
    if (mode !== 'vector') return this.#textSearch(batch, options);
    const queries = batch as readonly (VectorLike | string)[];
    const request = this.#queries.request(rest);
    if (queries.length === 0) return [];
    const efSearch = request.efSearch ?? this.#efSearch;
    const answers = await this.#meter.measure('searchBatch', efSearch, async () => {
      const cache = this.#cache;
      if (!cache) {
        const { value, workerMs } = await this.#searchMany(queries, request);
        return { value: value.map((h) => result(h, false)), workerMs };
      }
      const filter = request.filter;
      const missing: { at: number; query: Float32Array | string; key: string | null }[] = [];
      const answers: SearchResult[] = [];
      queries.forEach((q, at) => {
        const query = typeof q === 'string' ? q : this.#queries.one(q);
        const part = queryKey(query);
        const key = cache.key(query, request.k, request.efSearch, filter, part);
        cache.record(query, request.k, filter, part);
        const hit = key ? cache.lookup(key, query) : undefined;
        if (hit) answers[at] = result(hit, true);
        else missing.push({ at, query, key });
      });
      if (missing.length === 0) return { value: answers, cached: true };
      const found = await this.#searchMany(
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

  /** The worker side of searchBatch: one call, or one per worker with a current copy. */
  async #searchMany(
    queries: readonly (VectorLike | string)[],
    request: SearchRequest,
  ): Promise<Timed<Hit[][]>> {
    const packed = await this.#queries.many(queries);
    const replicas = this.#pool.currentReplicas();
    if (replicas.length === 0 || queries.length < 2 * (replicas.length + 1)) {
      const answer = await this.#primary.call(
        (api) => api.searchBatch(transfer(packed, [packed.buffer]), queries.length, request),
        queries.length * PER_QUERY_MS,
      );
      this.#servedByPrimary += queries.length;
      return answer;
    }
    // Split the batch across the primary and every current replica, one part each.
    const parts = replicas.length + 1;
    const per = Math.ceil(queries.length / parts);
    const dim = this.dimensions;
    const chunk = (i: number) =>
      packed.slice(i * per * dim, Math.min(queries.length, (i + 1) * per) * dim);
    const count = (i: number) => Math.max(0, Math.min(queries.length, (i + 1) * per) - i * per);
    const results = await Promise.all([
      this.#primary
        .call((api) => {
          const first = chunk(0);
          return api.searchBatch(transfer(first, [first.buffer]), count(0), request);
        }, per * PER_QUERY_MS)
        .then((part) => {
          this.#servedByPrimary += count(0);
          return part;
        }),
      ...replicas.map((replica, r) =>
        this.#pool.run(replica, count(r + 1), (target) => {
          const part = chunk(r + 1);
          return target.searchBatch(transfer(part, [part.buffer]), count(r + 1), request);
        }),
      ),
    ]);
    // The parts ran side by side: the caller waited for the slowest.
    return {
      value: results.flatMap((part) => part.value),
      workerMs: Math.max(...results.map((part) => part.workerMs)),
    };
  }

  /**
   * Resolves once every extra worker holds the index as last written; searches
   * meanwhile run on the primary. Useful before measuring throughput.
   */
  async replicasReady(): Promise<void> {
    this.#assertOpen();
    await this.#pool.settled();
  }

  /** Sets the default search width of this index (saved with it). */
  async setEfSearch(efSearch: number): Promise<void> {
    this.#assertOpen();
    assertEf(efSearch);
    this.#pool.changed();
    this.#version.sending();
    this.#efSearch = efSearch;
    await this.#meter.track(() => this.#primary.call((api) => api.setEfSearch(efSearch)));
    this.#primary.wrote(1);
    this.#scheduleAutosave();
  }

  /**
   * The index as it is now, saved or not, in native hnswlib's layout (64-bit
   * `size_t`), which hnswlib-node's `readIndex` and Python's `load_index`
   * open. Each element is labelled by its position: `ids[label]` is its id
   * (null where a removed vector still holds its slot, marked deleted in the
   * file too) and `metadata[label]` its metadata.
   */
  async export(): Promise<NativeExport> {
    this.#assertOpen();
    return this.#meter.track(() =>
      this.#primary.call((api) => api.exportNative(), this.#size * PER_VECTOR_SAVE_MS),
    );
  }

  /** Writes a new generation; durable once the promise resolves. */
  /** `writtenBytes`: what this save wrote; chunks the last saved generation holds are not rewritten. */
  async save(): Promise<{ generation: number; byteLength: number; writtenBytes: number }> {
    this.#assertOpen();
    return this.#save();
  }

  /** A save, also the last one that `close()` makes; tracked so that close waits for it. */
  #save(): Promise<{ generation: number; byteLength: number; writtenBytes: number }> {
    const saving = this.#saveNow();
    this.#saves.add(saving);
    void saving.then(
      () => this.#saves.delete(saving),
      () => this.#saves.delete(saving),
    );
    return saving;
  }

  async #saveNow(): Promise<{ generation: number; byteLength: number; writtenBytes: number }> {
    const sent = this.#version.sent;
    // Saving copies the whole index: allow for its size beyond the base deadline.
    const saved = await this.#meter.measure('save', undefined, async () => {
      const done = await this.#primary.call((api) => api.save(), this.#size * PER_VECTOR_SAVE_MS);
      return { value: done, workerMs: done.workerMs };
    });
    const { generation, byteLength, checksum } = saved;
    this.#primary.saved(generation);
    this.#savedSize = saved.size;
    this.#savedThrough = Math.max(this.#savedThrough, sent);
    // What was sent before the save is what was saved.
    this.#version.saved(sent, checksum);
    this.#autosaveError = null;
    if (saved.wrote) this.#tellOtherTabs(generation);
    return { generation, byteLength, writtenBytes: saved.writtenBytes };
  }

  /** Other tabs hear of a save; once this index is closed there is nobody left to tell from here. */
  #tellOtherTabs(generation: number): void {
    try {
      this.#channel?.postMessage({ source: this.#id, generation });
    } catch {
      // The channel closed (the page is unloading): tabs see the generation when they save.
    }
  }

  async stats(): Promise<IndexStats> {
    this.#assertOpen();
    const s = await this.#primary.call((api) => api.stats());
    return {
      name: this.name,
      engine: s.engine,
      ...s.params,
      efSearch: s.efSearch,
      size: s.size,
      deleted: s.deleted,
      capacity: s.capacity,
      generation: s.generation,
      savedGeneration: s.savedGeneration,
      unsavedChanges: s.unsavedChanges,
      wasmMemoryBytes: s.wasmMemoryBytes,
      memory: s.memory,
      snapshotBytes: s.snapshotBytes,
      recoveredFrom: s.recoveredFrom,
      workers: {
        total: this.#pool.size + 1,
        current: this.#pool.current + 1,
        served: [this.#servedByPrimary, ...this.#pool.served],
      },
      storage: await storageState(),
      autosaveError: this.#autosaveError,
      stale: this.#stale,
      cache: this.#cache?.stats() ?? null,
    };
  }

  /**
   * Stops the workers once the calls already made have settled; later calls
   * fail with CLOSED. Unsaved changes are dropped (call `save()` first), but
   * with `autosaveMs` the index saves them first: if that save fails, the
   * index still closes and `close()` rejects with the save's code, saying
   * how many changes were lost. A save under way when `close()` is called
   * finishes, and other tabs are told of it.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#autosaveTimer);
    this.#autosaveTimer = undefined;
    let lost: VicinityError | undefined;
    try {
      if (this.#options.autosaveMs !== undefined) lost = await this.#lastSave();
      await Promise.allSettled([...this.#saves]);
    } finally {
      this.#channel?.close();
      await this.#cache?.flush();
      openIndexes.get(this.name)?.delete(this);
      await Promise.all([this.#primary.close(), this.#pool.close()]);
      this.monitor.dispose();
    }
    if (lost) throw lost;
  }

  /**
   * The autosave that closing makes, after every write already sent (the
   * worker runs calls in order). Resolves with what was lost if it failed.
   */
  async #lastSave(): Promise<VicinityError | undefined> {
    if (this.#primary.broken || this.#version.sent === this.#savedThrough) return undefined;
    try {
      await this.#save();
      return undefined;
    } catch (error) {
      const cause = toVicinityError(error, 'STORAGE_ERROR');
      if (cause.code === 'CLOSED') return undefined;
      return new VicinityError(
        cause.code,
        `index "${this.name}" closed, but its last autosave failed: ${this.#primary.unsaved} ` +
          `unsaved changes were lost (${this.#primary.savedGeneration === null ? 'nothing was saved' : `generation ${this.#primary.savedGeneration} stays`}): ${cause.message}`,
        { cause },
      );
    }
  }

  /**
   * Another tab (or another index object of this page) saved a generation
   * newer than this one holds. This index is then stale: its searches answer
   * from what it holds, `stats().stale` says so, and its next save fails with
   * CONFLICT rather than drop the other's work. Reopen to take the new one.
   */
  #otherTabSaved(message: { source: string; generation: number }): void {
    if (this.#closed || message.source === this.#id) return;
    if (message.generation > (this.#primary.savedGeneration ?? -1)) this.#stale = true;
  }

  #scheduleAutosave(): void {
    const delay = this.#options.autosaveMs;
    if (delay === undefined || this.#closed) return;
    clearTimeout(this.#autosaveTimer);
    this.#autosaveTimer = setTimeout(() => {
      this.#autosaveTimer = undefined;
      void this.#autosave();
    }, delay);
  }

  async #autosave(): Promise<void> {
    try {
      await this.save();
    } catch (error) {
      const { code, message } = toVicinityError(error, 'STORAGE_ERROR');
      this.#autosaveError = { code, message };
      this.#options.logger?.('error', `autosave of "${this.name}" failed: ${code}: ${message}`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new VicinityError('CLOSED', `index "${this.name}" is closed`);
    const broken = this.#primary.broken;
    if (broken) throw new VicinityError(broken.code, broken.message, { cause: broken });
  }
}

/** Hits with the flag that says where they came from (not enumerable: JSON and equality ignore it). */
function result(hits: Hit[], cached: boolean): SearchResult {
  return Object.defineProperty(hits, 'cached', { value: cached }) as SearchResult;
}

/** What the worker opens (or creates) the index with. */
function openRequest(resolved: ResolvedOptions): OpenRequest {
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

function assertSameBuild(requested: ResolvedOptions, existing: EngineParams): void {
  const keys = ['dimensions', 'metric', 'M', 'efConstruction', 'quantization'] as const;
  const clashes = keys
    .filter((key) => requested[key] !== undefined && requested[key] !== existing[key])
    .map((key) => `${key} ${String(requested[key])} (open with ${String(existing[key])})`);
  if (clashes.length > 0) {
    throw new VicinityError(
      'INCOMPATIBLE_OPTIONS',
      `index "${requested.name}" is open in this page with other build parameters: ${clashes.join(', ')}`,
    );
  }
}
