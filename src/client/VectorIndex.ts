import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { installErrorTransfer } from '../errors/errorTransfer.js';
import { VicinityError, toVicinityError } from '../errors/VicinityError.js';
import { compileFilter } from '../filter/compileFilter.js';
import { IndexStore } from '../storage/IndexStore.js';
import type { Hit, IndexStats, Item, Metric, SearchOptions, VectorLike } from '../types.js';
import {
  assertEf,
  assertK,
  packItems,
  writeVector,
  assertIds,
} from '../validation/validateInput.js';
import type { EngineParams, OpenResult, SearchRequest, WorkerApi } from '../worker/protocol.js';
import { ReplicaPool } from './ReplicaPool.js';
import {
  DEFAULTS,
  resolveOptions,
  type ResolvedOptions,
  type VectorIndexOptions,
} from './resolveOptions.js';
import { spawnWorker } from './spawnWorker.js';

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
  #remote: Remote<WorkerApi>;
  #api: Remote<WorkerApi>['index'];
  #pool: ReplicaPool;
  /** Calls the primary worker is busy with, to spread searches. */
  #inFlight = 0;
  #worker: Worker;
  #options: ResolvedOptions;
  #params: EngineParams;
  #size: number;
  #closed = false;

  private constructor(
    options: ResolvedOptions,
    worker: Worker,
    remote: Remote<WorkerApi>,
    opened: OpenResult,
  ) {
    this.name = options.name;
    this.dimensions = opened.params.dimensions;
    this.metric = opened.params.metric;
    this.#options = options;
    this.#params = opened.params;
    this.#worker = worker;
    this.#remote = remote;
    this.#api = remote.index;
    this.#pool = new ReplicaPool(options.workers - 1, () => this.#api.exportSnapshot());
    this.#size = opened.size;
  }

  /**
   * Opens the index called `name`, creating it when it does not exist (then
   * `dimensions` is required). Reopening with other dimensions, metric, M or
   * efConstruction than it was created with fails with INCOMPATIBLE_OPTIONS.
   */
  static async open(name: string, options?: VectorIndexOptions): Promise<VectorIndex> {
    const resolved = resolveOptions(name, options);
    // A copy open in this page may not be saved yet: check against it too.
    for (const open of openIndexes.get(resolved.name) ?? [])
      assertSameBuild(resolved, open.#params);
    installErrorTransfer();
    const worker = spawnWorker();
    const remote = wrap<WorkerApi>(worker);
    const api = remote.index;
    try {
      if (resolved.logger) await api.setLogSink(proxy(resolved.logger));
      const opened = await api.open({
        name: resolved.name,
        dimensions: resolved.dimensions,
        metric: resolved.metric,
        M: resolved.M,
        efConstruction: resolved.efConstruction,
        efSearch: resolved.efSearch,
        defaults: DEFAULTS,
        initialCapacity: resolved.initialCapacity,
        engine: resolved.engine,
      });
      const index = new VectorIndex(resolved, worker, remote, opened);
      let set = openIndexes.get(resolved.name);
      if (!set) openIndexes.set(resolved.name, (set = new Set()));
      set.add(index);
      return index;
    } catch (error) {
      remote[releaseProxy]();
      worker.terminate();
      throw toVicinityError(error, 'ENGINE_ERROR', 'opening the index');
    }
  }

  /** Deletes an index and everything it stored; open copies in this page are closed first. */
  static async delete(name: string): Promise<void> {
    resolveOptions(name);
    await Promise.all([...(openIndexes.get(name) ?? [])].map((index) => index.close()));
    await IndexStore.delete(name);
  }

  /** Live vectors, as of the last completed write. */
  get size(): number {
    return this.#size;
  }

  /** Adds items, or replaces those whose id exists. A batch with one bad item changes nothing. */
  async upsert(items: readonly Item[]): Promise<void> {
    this.#assertOpen();
    const { ids, vectors, metadata } = packItems(items, this.dimensions, this.metric);
    if (ids.length === 0) return;
    // Replicas go stale before the write is sent: a search called after this
    // one, even before it resolves, must see it, as it would on one worker.
    this.#pool.changed();
    const result = await this.#call(() =>
      this.#api.upsert(ids, transfer(vectors, [vectors.buffer]), metadata),
    );
    this.#size = result.size;
  }

  /** Removes ids; ids that do not exist are ignored. Resolves with how many were removed. */
  async remove(ids: readonly string[]): Promise<number> {
    this.#assertOpen();
    if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'remove takes an array of ids');
    assertIds(ids, 'ids');
    if (ids.length === 0) return 0;
    this.#pool.changed();
    const result = await this.#call(() => this.#api.remove([...ids]));
    this.#size = result.size;
    return result.changed;
  }

  /** The k nearest items, best first. A string query needs the `embed` option. */
  async search(query: VectorLike | string, options: SearchOptions = {}): Promise<Hit[]> {
    this.#assertOpen();
    const request = this.#request(options);
    const vector = await this.#packed([query]);
    const replica = this.#pool.pick(this.#inFlight);
    if (replica) {
      return this.#call(() =>
        this.#pool.run(replica, (r) => r.search(transfer(vector, [vector.buffer]), request)),
      );
    }
    return this.#onPrimary(() => this.#api.search(transfer(vector, [vector.buffer]), request));
  }

  /** Many queries in one round trip to the worker; results in query order. */
  async searchBatch(
    queries: readonly (VectorLike | string)[],
    options: SearchOptions = {},
  ): Promise<Hit[][]> {
    this.#assertOpen();
    if (!Array.isArray(queries))
      throw new VicinityError('INVALID_VECTOR', 'searchBatch takes an array of queries');
    const request = this.#request(options);
    if (queries.length === 0) return [];
    const packed = await this.#packed(queries);
    const replicas = this.#pool.currentReplicas();
    if (replicas.length === 0 || queries.length < 2 * (replicas.length + 1)) {
      return this.#onPrimary(() =>
        this.#api.searchBatch(transfer(packed, [packed.buffer]), queries.length, request),
      );
    }
    // Split the batch across the primary and every current replica, one part each.
    const parts = replicas.length + 1;
    const per = Math.ceil(queries.length / parts);
    const dim = this.dimensions;
    const chunk = (i: number) =>
      packed.slice(i * per * dim, Math.min(queries.length, (i + 1) * per) * dim);
    const count = (i: number) => Math.max(0, Math.min(queries.length, (i + 1) * per) - i * per);
    const results = await Promise.all([
      this.#onPrimary(() => {
        const first = chunk(0);
        return this.#api.searchBatch(transfer(first, [first.buffer]), count(0), request);
      }),
      ...replicas.map((replica, r) =>
        this.#call(() =>
          this.#pool.run(replica, (target) => {
            const part = chunk(r + 1);
            return target.searchBatch(transfer(part, [part.buffer]), count(r + 1), request);
          }),
        ),
      ),
    ]);
    return results.flat();
  }

  /**
   * Resolves once every extra worker holds the index as last written; searches
   * meanwhile run on the primary. Useful before measuring throughput.
   */
  async replicasReady(): Promise<void> {
    this.#assertOpen();
    await this.#pool.settled();
  }

  async #onPrimary<T>(run: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await this.#call(run);
    } finally {
      this.#inFlight--;
    }
  }

  /** Sets the default search width of this index (saved with it). */
  async setEfSearch(efSearch: number): Promise<void> {
    this.#assertOpen();
    assertEf(efSearch);
    this.#pool.changed();
    await this.#call(() => this.#api.setEfSearch(efSearch));
  }

  /** Writes a new generation; durable once the promise resolves. */
  async save(): Promise<{ generation: number; byteLength: number }> {
    this.#assertOpen();
    const { generation, byteLength } = await this.#call(() => this.#api.save());
    return { generation, byteLength };
  }

  async stats(): Promise<IndexStats> {
    this.#assertOpen();
    const s = await this.#call(() => this.#api.stats());
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
      snapshotBytes: s.snapshotBytes,
      recoveredFrom: s.recoveredFrom,
      workers: { total: this.#pool.size + 1, current: this.#pool.current + 1 },
    };
  }

  /** Stops the worker. Unsaved changes are dropped; call `save()` first to keep them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    openIndexes.get(this.name)?.delete(this);
    try {
      await Promise.all([this.#api.close(), this.#pool.close()]);
    } catch {
      // The workers are going away either way.
    } finally {
      this.#remote[releaseProxy]();
      this.#worker.terminate();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new VicinityError('CLOSED', `index "${this.name}" is closed`);
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (this.#closed)
        throw new VicinityError('CLOSED', `index "${this.name}" was closed`, { cause: error });
      throw toVicinityError(error, 'ENGINE_ERROR');
    }
  }

  #request(options: SearchOptions): SearchRequest {
    if (typeof options !== 'object' || options === null) {
      throw new VicinityError('INVALID_K', 'search options must be an object');
    }
    const k = options.k ?? 10;
    assertK(k);
    if (options.efSearch !== undefined) assertEf(options.efSearch);
    // Compiling checks the filter here, before it tries to cross to the worker.
    if (options.filter !== undefined) compileFilter(options.filter);
    return { k, filter: options.filter, efSearch: options.efSearch };
  }

  /** Embeds the text queries in one call and packs every query into one buffer. */
  async #packed(queries: readonly (VectorLike | string)[]): Promise<Float32Array> {
    const texts = queries.filter((q): q is string => typeof q === 'string');
    let embedded: VectorLike[] = [];
    if (texts.length > 0) {
      const { embed } = this.#options;
      if (!embed)
        throw new VicinityError(
          'NO_EMBEDDER',
          'a text query needs the `embed` option of VectorIndex.open',
        );
      try {
        embedded = await embed(texts);
      } catch (error) {
        throw toVicinityError(error, 'INVALID_VECTOR', 'embed failed');
      }
      if (!Array.isArray(embedded) || embedded.length !== texts.length) {
        throw new VicinityError(
          'INVALID_VECTOR',
          `embed returned ${String(embedded?.length)} vectors for ${texts.length} texts`,
        );
      }
    }
    const out = new Float32Array(queries.length * this.dimensions);
    let t = 0;
    queries.forEach((q, i) => {
      const vector = typeof q === 'string' ? embedded[t++] : q;
      writeVector(vector, this.dimensions, this.metric, out, i * this.dimensions, `queries[${i}]`);
    });
    return out;
  }
}

function assertSameBuild(requested: ResolvedOptions, existing: EngineParams): void {
  const keys = ['dimensions', 'metric', 'M', 'efConstruction'] as const;
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
