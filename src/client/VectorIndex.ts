import { VicinityError } from '../core/VicinityError.js';
import { assertSameBuild } from '../core/buildParams.js';
import type {
  HybridQuery,
  IndexStats,
  Item,
  Metric,
  SearchOptions,
  SearchResult,
  VectorLike,
} from '../core/types.js';
import type { NativeExport, OpenResult } from '../core/protocol.js';
import { IndexCache, type IndexCacheApi } from '../cache/IndexCache.js';
import type { IndexGauges } from '../export/toPrometheus.js';
import { PageHealth } from '../monitor/PageHealth.js';
import { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import {
  deleteStoredIndex,
  listStoredIndexes,
  requestPersistence,
  storageState,
} from '../storage/storeCatalog.js';
import { PER_VECTOR_SAVE_MS } from './allowances.js';
import { estimateMemory, type MemoryEstimate, type MemoryPlan } from './estimate.js';
import type { ImportOptions } from './nativeImport.js';
import { PrimaryWorker } from './PrimaryWorker.js';
import { openRequest, resolveOptions, type ResolvedOptions } from './resolveOptions.js';
import type { VectorIndexOptions } from './resolveOptions.js';
import type { SaveAnswer } from './Saver.js';
import { assembleIndex, indexStats, type IndexParts } from './IndexParts.js';
import { TUNING, type TuningPort } from './tuning.js';
import { indexTuningPort } from './tuningPort.js';

/** Indexes open in this page, so that `delete` can close them first. */
const openIndexes = new Map<string, Set<VectorIndex>>();

/**
 * A vector index that lives in a Web Worker. Every method validates its input
 * on the page, crosses to the worker once (vectors as transferables), and
 * rejects only with VicinityError. The parts: IndexState (what the page knows
 * of the index), Workers (the primary and its replicas), Searcher (the search
 * path), Saver (saves and autosave), TabSync (other tabs' saves).
 */
export class VectorIndex {
  readonly name: string;
  readonly dimensions: number;
  readonly metric: Metric;
  /** Every public operation, timed on the page, with the worker's own share. */
  readonly monitor: PerformanceMonitor;
  readonly #parts: IndexParts;
  #closed = false;
  /** The close under way, once asked for. */
  #closing: Promise<void> | null = null;
  #tuning: TuningPort | undefined;

  private constructor(
    options: ResolvedOptions,
    primary: PrimaryWorker,
    opened: OpenResult,
    monitor: PerformanceMonitor,
  ) {
    this.name = options.name;
    this.dimensions = opened.params.dimensions;
    this.metric = opened.params.metric;
    this.monitor = monitor;
    this.#parts = assembleIndex(options, primary, opened, monitor, {
      closed: () => this.#closed,
      otherTabSaved: (generation) => this.#otherTabSaved(generation),
    });
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
      assertSameBuild(resolved.name, resolved, open.#parts.state.params);
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
    void index.#parts.cache?.load();
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
    // Fetched when first used: a page that never imports does not download the importer.
    const { importIndex } = await import('./nativeImport.js');
    const done = await importIndex(name, options, (n) => (openIndexes.get(n)?.size ?? 0) > 0);
    const { resolved, primary, imported, monitor, startedAt } = done;
    return VectorIndex.#opened(resolved, primary, imported, monitor, startedAt);
  }

  /** Live vectors, as of the last completed write. */
  get size(): number {
    return this.#parts.state.size;
  }

  /** The gauges the exporters publish beside the monitor's figures. */
  gauges(): IndexGauges {
    const { size, efSearch } = this.#parts.state;
    return { index: this.name, size, efSearch, cacheBytes: this.#parts.cache?.stats().bytes ?? 0 };
  }

  /** The query cache (statistics, resize, warm), or null when opened with `cache: false`. */
  get cache(): IndexCacheApi | null {
    return this.#parts.cache;
  }

  /** Adds items, or replaces those whose id exists. A batch with one bad item changes nothing. */
  async upsert(items: readonly Item[]): Promise<void> {
    this.#assertOpen();
    return this.#parts.writer.upsert(items);
  }

  /** Removes ids; ids that do not exist are ignored. Resolves with how many were removed. */
  async remove(ids: readonly string[]): Promise<number> {
    this.#assertOpen();
    return this.#parts.writer.remove(ids);
  }

  /**
   * The k nearest items, best first. A string query needs the `embed` option.
   * An answer in the query cache comes back without a call to the worker
   * (`result.cached`).
   */
  async search(
    query: VectorLike | string | HybridQuery,
    options: SearchOptions = {},
  ): Promise<SearchResult> {
    this.#assertOpen();
    return this.#parts.searcher.search(query, options);
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
    return this.#parts.searcher.searchBatch(batch, options);
  }

  /** The load tester's and the optimizer's way in; not part of the API. */
  [TUNING](): TuningPort {
    this.#tuning ??= indexTuningPort(this.#parts, this.monitor, () => this.#assertOpen());
    return this.#tuning;
  }

  /**
   * Resolves once every extra worker holds the index as last written; searches
   * meanwhile run on the primary. Useful before measuring throughput.
   */
  async replicasReady(): Promise<void> {
    this.#assertOpen();
    await this.#parts.workers.replicas.settled();
  }

  /** Sets the default search width of this index (saved with it). */
  async setEfSearch(efSearch: number): Promise<void> {
    this.#assertOpen();
    return this.#parts.writer.setEfSearch(efSearch);
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
    const allowanceMs = this.#parts.state.size * PER_VECTOR_SAVE_MS;
    return this.#parts.meter.track(() =>
      this.#parts.workers.primary.call((api) => api.exportNative(), allowanceMs),
    );
  }

  /**
   * Writes a new generation; durable once the promise resolves.
   * `writtenBytes`: what this save wrote; chunks the last saved generation holds are not rewritten.
   */
  async save(): Promise<SaveAnswer> {
    this.#assertOpen();
    return this.#parts.saver.save();
  }

  async stats(): Promise<IndexStats> {
    this.#assertOpen();
    const worker = await this.#parts.workers.primary.call((api) => api.stats());
    return indexStats(this.name, worker, this.#parts, await storageState());
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
    let lost: VicinityError | undefined;
    try {
      lost = await this.#parts.saver.stop();
    } finally {
      this.#parts.tabs.close();
      await this.#parts.cache?.flush();
      openIndexes.get(this.name)?.delete(this);
      await this.#parts.workers.close();
      this.monitor.dispose();
    }
    if (lost) throw lost;
  }

  /**
   * Another tab (or another index object of this page) saved a generation
   * newer than this one holds. This index is then stale: its searches answer
   * from what it holds, `stats().stale` says so, and its next save fails with
   * CONFLICT rather than drop the other's work. Reopen to take the new one.
   */
  #otherTabSaved(generation: number): void {
    if (this.#closed) return;
    if (generation > (this.#parts.state.savedGeneration ?? -1)) this.#parts.state.stale = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new VicinityError('CLOSED', `index "${this.name}" is closed`);
    const broken = this.#parts.workers.primary.broken;
    if (broken) throw new VicinityError(broken.code, broken.message, { cause: broken });
  }
}
