import { transfer } from 'comlink';
import { VicinityError, toVicinityError } from '../errors/VicinityError.js';
import type { EngineParams } from '../engine/Engine.js';
import {
  createEngine,
  loadEngine,
  resolveEngine,
  type EngineLoaders,
} from '../engine/chooseEngine.js';
import { decodeSnapshot } from '../engine/SnapshotCodec.js';
import { VectorCollection, type RawHit, type SearchRequest } from '../engine/VectorCollection.js';
import { scratchPrefix } from '../engine/IdbfsScratch.js';
import { assertRoomFor } from '../storage/assertRoomFor.js';
import { IndexStore } from '../storage/IndexStore.js';
import { FORMAT_VERSION, type Manifest } from '../storage/Manifest.js';
import type { Metadata } from '../types.js';
import { SerialQueue } from '../util/SerialQueue.js';
import { withLock } from '../util/withLock.js';
import { assertEf, assertSearchRequest } from '../validation/validateInput.js';
import type {
  EngineApi,
  LogSink,
  MutationResult,
  OpenRequest,
  OpenResult,
  ReplicaSnapshot,
  SaveResult,
  Timed,
  WorkerStats,
} from './protocol.js';

/**
 * The index as the worker holds it: a collection over an engine, and the
 * store its snapshots go to. Operations run one at a time, in call order:
 * hnswlib-wasm crashes on two reads at once, and IDBFS syncs must not overlap.
 */
export class IndexService implements EngineApi {
  #loaders: EngineLoaders | undefined;
  #queue = new SerialQueue();
  #log: LogSink | undefined;
  #state:
    | { kind: 'idle' }
    | { kind: 'open'; name: string; store: IndexStore; collection: VectorCollection }
    | { kind: 'closed' } = { kind: 'idle' };
  #generation = 0;
  #savedGeneration: number | null = null;
  #unsaved = 0;
  #snapshotBytes = 0;
  /** Checksum of the generation last opened or saved. */
  #checksum: string | null = null;
  #recoveredFrom: WorkerStats['recoveredFrom'] = null;
  /** Format of the snapshot opened, when older than the current one: the next save rewrites it. */
  #migratedFrom: number | null = null;

  constructor(loaders?: EngineLoaders) {
    this.#loaders = loaders;
  }

  setLogSink(sink: LogSink | undefined): void {
    this.#log = sink;
  }

  #run<T>(task: () => Promise<T> | T): Promise<T> {
    return this.#queue.run(task);
  }

  /**
   * Runs `report` in turn after every call received so far, once their
   * answers have been posted (a task later: Comlink posts them from promise
   * callbacks), and before any call received later starts.
   */
  afterQueued(report: () => void): void {
    void this.#run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      report();
    });
  }

  #open() {
    if (this.#state.kind === 'open') return this.#state;
    throw new VicinityError(
      'CLOSED',
      this.#state.kind === 'closed' ? 'the index is closed' : 'the index is not open',
    );
  }

  open(request: OpenRequest): Promise<OpenResult> {
    return this.#run(async () => {
      if (this.#state.kind !== 'idle')
        throw new VicinityError('CLOSED', 'this worker already served an index');
      const store = await IndexStore.open(request.name);
      try {
        const result = await this.#load(request, store);
        return result;
      } catch (error) {
        store.close();
        throw error;
      }
    });
  }

  async #load(request: OpenRequest, store: IndexStore): Promise<OpenResult> {
    const scratchFile = `${scratchPrefix(request.name)}${crypto.randomUUID()}.bin`;
    const kind = resolveEngine(request.engine);
    const snapshot = await store.readLatest();
    if (!snapshot) {
      if (request.dimensions === undefined) {
        throw new VicinityError(
          'NOT_FOUND',
          `index "${request.name}" does not exist; pass dimensions to create it`,
        );
      }
      const params: EngineParams = {
        dimensions: request.dimensions,
        metric: request.metric ?? request.defaults.metric,
        M: request.M ?? request.defaults.M,
        efConstruction: request.efConstruction ?? request.defaults.efConstruction,
      };
      const engine = await createEngine(kind, {
        params,
        capacity: request.initialCapacity,
        scratchFile,
        loaders: this.#loaders,
      });
      const efSearch = request.efSearch ?? request.defaults.efSearch;
      const collection = new VectorCollection(engine, params, efSearch);
      this.#state = { kind: 'open', name: request.name, store, collection };
      this.#log?.('debug', `created index "${request.name}"`);
      return { params, efSearch, size: 0, generation: 0, created: true, checksum: null };
    }
    const { manifest, bytes, recoveredFrom, migratedFrom } = snapshot;
    assertCompatible(request, manifest);
    const params: EngineParams = {
      dimensions: manifest.dimensions,
      metric: manifest.metric,
      M: manifest.M,
      efConstruction: manifest.efConstruction,
    };
    const { engineBytes, sidecar } = decodeSnapshot(bytes, manifest.engineByteLength);
    if (sidecar.ids.length !== manifest.count) {
      throw new VicinityError('INDEX_CORRUPTED', 'the id map does not match the manifest count');
    }
    const capacity = Math.max(request.initialCapacity, sidecar.nextLabel, manifest.count);
    const engine = await loadEngine(
      kind,
      { params, capacity, scratchFile, loaders: this.#loaders },
      engineBytes,
    );
    const efSearch = request.efSearch ?? sidecar.efSearch;
    const collection = new VectorCollection(engine, params, efSearch, sidecar);
    this.#state = { kind: 'open', name: request.name, store, collection };
    this.#generation = manifest.generation;
    this.#savedGeneration = manifest.generation;
    this.#snapshotBytes = manifest.byteLength;
    this.#checksum = manifest.checksum;
    this.#recoveredFrom = recoveredFrom;
    this.#migratedFrom = migratedFrom;
    if (migratedFrom !== null) {
      this.#log?.(
        'info',
        `generation ${manifest.generation} is in format ${migratedFrom}; the next save writes format ${manifest.format}`,
      );
    }
    if (recoveredFrom) {
      this.#log?.(
        'warn',
        `generation ${recoveredFrom.generation} unreadable (${recoveredFrom.reason}); opened ${manifest.generation}`,
      );
    }
    return {
      params,
      efSearch,
      size: collection.size,
      generation: this.#generation,
      created: false,
      checksum: manifest.checksum,
    };
  }

  upsert(
    ids: string[],
    vectors: Float32Array,
    metadata: (Metadata | undefined)[],
  ): Promise<MutationResult> {
    return this.#run(() => {
      const startedAt = performance.now();
      const { collection } = this.#open();
      if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'ids must be an array');
      collection.upsert(ids, vectors, metadata);
      return this.#mutated(ids.length, startedAt);
    });
  }

  remove(ids: string[]): Promise<MutationResult> {
    return this.#run(() => {
      const startedAt = performance.now();
      const { collection } = this.#open();
      if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'ids must be an array');
      return this.#mutated(collection.remove(ids), startedAt);
    });
  }

  #mutated(changed: number, startedAt: number): MutationResult {
    const { collection } = this.#open();
    if (changed > 0) {
      this.#generation++;
      this.#unsaved += changed;
    }
    const workerMs = performance.now() - startedAt;
    return { size: collection.size, generation: this.#generation, changed, workerMs };
  }

  search(query: Float32Array, request: SearchRequest) {
    return this.#run(() =>
      timed(() => {
        const collection: VectorCollection = this.#open().collection;
        checkRequest(request);
        collection.assertQuery(query, 1);
        return collection.search(query, request);
      }),
    );
  }

  searchBatch(queries: Float32Array, count: number, request: SearchRequest) {
    return this.#batch(queries, count, request, (c) => c.searchBatch(queries, count, request));
  }

  exactSearchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
    range: { offset: number; limit: number },
  ) {
    return this.#batch(queries, count, request, (c) =>
      c.exactBatch(queries, count, request, range),
    );
  }

  /** Checks a batch of queries, then answers it in turn with the others. */
  #batch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
    answer: (collection: VectorCollection) => RawHit[][],
  ) {
    return this.#run(() =>
      timed(() => {
        const collection: VectorCollection = this.#open().collection;
        checkRequest(request);
        if (!Number.isSafeInteger(count) || count < 0)
          throw new VicinityError('INVALID_VECTOR', 'bad query count');
        collection.assertQuery(queries, count);
        return answer(collection);
      }),
    );
  }

  setEfSearch(ef: number): Promise<void> {
    return this.#run(() => {
      assertEf(ef);
      const { collection } = this.#open();
      if (collection.efSearch === ef) return;
      collection.efSearch = ef;
      // Saved with the index: a change to save like any write.
      this.#generation++;
      this.#unsaved++;
    });
  }

  /**
   * Writes a new generation while holding the index's Web Lock. If another tab
   * saved since this one opened or last saved, writing would drop that tab's
   * changes: the save fails with CONFLICT instead.
   */
  save(): Promise<SaveResult> {
    return this.#run(async () => {
      const { name, collection } = this.#open();
      const startedAt = performance.now();
      // Nothing to write: no need to wait for another tab's save to end.
      const checksum = this.#checksum;
      if (
        checksum !== null &&
        this.#savedGeneration !== null &&
        this.#unsaved === 0 &&
        this.#savedGeneration === this.#generation &&
        this.#migratedFrom === null
      ) {
        return {
          generation: this.#generation,
          byteLength: this.#snapshotBytes,
          size: collection.size,
          wrote: false,
          checksum,
          workerMs: performance.now() - startedAt,
        };
      }
      // One writer per index across tabs and workers.
      const result = await withLock(`vicinity:${name}`, () => this.#save());
      return { ...result, workerMs: performance.now() - startedAt };
    });
  }

  async #save(): Promise<Omit<SaveResult, 'workerMs'>> {
    const { store, collection } = this.#open();
    // The IDBFS scratch copy and the snapshot both need room.
    await assertRoomFor(2 * Math.max(this.#snapshotBytes, collection.estimatedBytes()));
    const newest = (await store.generations())[0] ?? -1;
    const base = Math.max(this.#savedGeneration ?? -1, this.#recoveredFrom?.generation ?? -1);
    if (newest > base) {
      throw new VicinityError(
        'CONFLICT',
        `another tab saved generation ${newest} of "${this.#open().name}" after this tab's ` +
          `${base < 0 ? 'start' : `generation ${base}`}; saving would drop its changes — reopen to take them`,
      );
    }
    const generation = Math.max(this.#generation, newest + 1);
    const { bytes, engineByteLength } = await collection
      .snapshot()
      .catch(async (error: unknown) => {
        // A sync that hit the quota never calls back: it surfaces as a timeout.
        if (error instanceof VicinityError && error.code === 'TIMEOUT') {
          const needed = collection.estimatedBytes();
          if (!(await store.hasRoomFor(needed).catch(() => true))) {
            throw new VicinityError(
              'QUOTA_EXCEEDED',
              `the storage quota cannot hold a snapshot of about ${needed} bytes`,
              {
                cause: error,
              },
            );
          }
        }
        throw toVicinityError(error, 'STORAGE_ERROR', 'serializing the index');
      });
    const manifest = await store.write(
      {
        format: FORMAT_VERSION,
        engine: collection.engine.kind,
        engineFormat: 'hnswlib-wasm32',
        ...collection.params,
        count: collection.size,
        generation,
        engineByteLength,
        savedAt: Date.now(),
      },
      bytes,
      // The generation this one grew from verified when it was opened (or
      // was written here): it stays as the fallback, whatever is newer.
      this.#savedGeneration,
    );
    this.#generation = generation;
    this.#savedGeneration = generation;
    this.#unsaved = 0;
    this.#snapshotBytes = manifest.byteLength;
    this.#recoveredFrom = null;
    this.#migratedFrom = null;
    this.#checksum = manifest.checksum;
    return {
      generation,
      byteLength: manifest.byteLength,
      size: collection.size,
      wrote: true,
      checksum: manifest.checksum,
    };
  }

  /** The current state, saved or not, as bytes for read-only replicas in other workers. */
  exportSnapshot(): Promise<ReplicaSnapshot> {
    return this.#run(async () => {
      const { collection } = this.#open();
      const { bytes, engineByteLength } = await collection.snapshot();
      const snapshot: ReplicaSnapshot = {
        kind: collection.engine.kind,
        params: collection.params,
        efSearch: collection.efSearch,
        generation: this.#generation,
        bytes,
        engineByteLength,
      };
      return transfer(snapshot, [bytes.buffer]);
    });
  }

  stats(): Promise<WorkerStats> {
    return this.#run(() => {
      const { collection } = this.#open();
      return {
        engine: collection.engine.kind,
        params: collection.params,
        efSearch: collection.efSearch,
        size: collection.size,
        deleted: collection.deleted,
        capacity: collection.engine.capacity(),
        generation: this.#generation,
        savedGeneration: this.#savedGeneration,
        unsavedChanges: this.#unsaved,
        wasmMemoryBytes: collection.engine.memoryBytes(),
        snapshotBytes: this.#snapshotBytes,
        recoveredFrom: this.#recoveredFrom,
      };
    });
  }

  close(): Promise<void> {
    return this.#run(async () => {
      if (this.#state.kind !== 'open') {
        this.#state = { kind: 'closed' };
        return;
      }
      const { store, collection } = this.#state;
      this.#state = { kind: 'closed' };
      store.close();
      await collection.engine.dispose();
    });
  }
}

export function checkRequest(request: SearchRequest): void {
  assertSearchRequest(request);
}

function assertCompatible(request: OpenRequest, manifest: Manifest): void {
  const { name } = request;
  const clashes: string[] = [];
  if (request.dimensions !== undefined && request.dimensions !== manifest.dimensions) {
    clashes.push(`dimensions ${request.dimensions} (stored ${manifest.dimensions})`);
  }
  if (request.metric !== undefined && request.metric !== manifest.metric) {
    clashes.push(`metric ${request.metric} (stored ${manifest.metric})`);
  }
  if (request.M !== undefined && request.M !== manifest.M)
    clashes.push(`M ${request.M} (stored ${manifest.M})`);
  if (request.efConstruction !== undefined && request.efConstruction !== manifest.efConstruction) {
    clashes.push(`efConstruction ${request.efConstruction} (stored ${manifest.efConstruction})`);
  }
  if (clashes.length > 0) {
    throw new VicinityError(
      'INCOMPATIBLE_OPTIONS',
      `index "${name}" exists with other build parameters: ${clashes.join(', ')}`,
    );
  }
}

/** Runs `compute` and returns its value with the time it took. */
export function timed<T>(compute: () => T): Timed<T> {
  const startedAt = performance.now();
  const value = compute();
  return { value, workerMs: performance.now() - startedAt };
}
