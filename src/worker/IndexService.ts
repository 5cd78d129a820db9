import { transfer } from 'comlink';
import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import type { EngineFactories } from '../engine/Engine.js';
import type { EngineParams } from '../core/protocol.js';
import {
  createEngine,
  loadEngine,
  loadEngineFromChunks,
  resolveEngine,
} from '../engine/chooseEngine.js';
import { assertQuantizable } from '../core/engineChoice.js';
import { LayoutConverter, convertLayout } from '../native/LayoutConverter.js';
import {
  decodeSidecar,
  decodeSnapshot,
  encodeSidecar,
  type Sidecar,
} from '../engine/SnapshotCodec.js';
import { VectorCollection } from '../engine/VectorCollection.js';
import { type RawHit, type SearchRequest } from '../core/protocol.js';
import { assertRoomFor } from '../storage/assertRoomFor.js';
import { IndexStore } from '../storage/IndexStore.js';
import type { StoredSnapshot } from '../storage/snapshotTypes.js';
import { FORMAT_VERSION, type Manifest } from '../storage/Manifest.js';
import { bufferSource, gather, type SnapshotSource } from '../storage/SnapshotSource.js';
import type { EngineKind } from '../core/types.js';
import type { Metadata } from '../core/types.js';
import { answerText } from '../search/answerText.js';
import { assertTextRequest } from '../search/searchMode.js';
import { type TextRequest } from '../core/protocol.js';
import { openText } from '../text/openText.js';
import { assertTexts } from '../text/assertTexts.js';
import type { TextIndex } from '../text/TextIndex.js';
import { SerialQueue } from '../util/SerialQueue.js';
import { withLock } from '../util/withLock.js';
import { assertMetadata } from '../validation/plainData.js';
import { assertEf, assertId, assertSearchRequest } from '../validation/validateInput.js';
import {
  addLabelPart,
  importedSidecar,
  importedVectorCheck,
  type PendingImport,
} from './nativeImport.js';
import type {
  IndexServiceApi,
  ImportProgress,
  ImportRequest,
  ImportResult,
  LabelPart,
  LogSink,
  NativeExport,
  MutationResult,
  OpenRequest,
  OpenResult,
  ReplicaSnapshot,
  SaveResult,
  Timed,
  WorkerStats,
} from '../core/protocol.js';
import { BUILD_DEFAULTS } from '../core/defaults.js';

/**
 * The index as the worker holds it: a collection over an engine, and the
 * store its snapshots go to. Operations run one at a time, in call order:
 * hnswlib-wasm crashes on two reads at once, and IDBFS syncs must not overlap.
 */
export class IndexService implements IndexServiceApi {
  #engines: EngineFactories;
  #queue = new SerialQueue();
  #log: LogSink | undefined;
  #state:
    | { kind: 'idle' }
    | {
        kind: 'open';
        name: string;
        store: IndexStore;
        collection: VectorCollection;
        text: TextIndex;
      }
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
  /** A native hnswlib file arriving in chunks (see importBegin). */
  #import: PendingImport | null = null;

  /** `engines`: the engines this worker bundles (see worker-simd.ts, worker-hnswlib-wasm.ts). */
  constructor(engines: EngineFactories) {
    this.#engines = engines;
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
        const { collection } = this.#open();
        if (request.maxMemoryBytes !== undefined) collection.memoryLimit = request.maxMemoryBytes;
        collection.assertHeapRoom(collection.engine.capacity(), collection.engine.count());
        return result;
      } catch (error) {
        store.close();
        throw error;
      }
    });
  }

  async #load(request: OpenRequest, store: IndexStore): Promise<OpenResult> {
    const kind = resolveEngine(request.engine, this.#engines);
    // A chunk or engine bytes that fail fall back to the older generation (see readLatestWith).
    const opened = await store.readLatestWith((stored) => this.#loadStored(request, kind, stored));
    if (!opened) {
      if (request.dimensions === undefined) {
        throw new VicinityError(
          'NOT_FOUND',
          `index "${request.name}" does not exist; pass dimensions to create it`,
        );
      }
      const params: EngineParams = {
        dimensions: request.dimensions,
        metric: request.metric ?? BUILD_DEFAULTS.metric,
        M: request.M ?? BUILD_DEFAULTS.M,
        efConstruction: request.efConstruction ?? BUILD_DEFAULTS.efConstruction,
        quantization: request.quantization ?? BUILD_DEFAULTS.quantization,
      };
      assertQuantizable(kind, params.quantization);
      const engine = await createEngine(this.#engines, kind, {
        params,
        capacity: request.initialCapacity,
        indexName: request.name,
      });
      const efSearch = request.efSearch ?? BUILD_DEFAULTS.efSearch;
      const collection = new VectorCollection(engine, params, efSearch);
      const text = openText(request.text, undefined, collection);
      this.#state = { kind: 'open', name: request.name, store, collection, text };
      this.#log?.('debug', `created index "${request.name}"`);
      return {
        params,
        efSearch,
        size: 0,
        generation: 0,
        created: true,
        checksum: null,
        text: text.config,
      };
    }
    const { manifest, value, recoveredFrom, migratedFrom } = opened;
    const { collection, text } = value;
    const { params, efSearch } = collection;
    this.#state = { kind: 'open', name: request.name, store, collection, text };
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
      text: text.config,
    };
  }

  /**
   * One stored generation as a collection: the id map first (its own
   * chunks, after the engine's), then the engine's chunks straight into the
   * engine. Throws, leaving nothing behind, when any of it fails.
   */
  async #loadStored(
    request: OpenRequest,
    kind: EngineKind,
    { manifest, chunks }: StoredSnapshot,
  ): Promise<{ collection: VectorCollection; text: TextIndex }> {
    assertCompatible(request, manifest);
    const params: EngineParams = {
      dimensions: manifest.dimensions,
      metric: manifest.metric,
      M: manifest.M,
      efConstruction: manifest.efConstruction,
      quantization: manifest.quantization,
    };
    assertQuantizable(kind, params.quantization);
    const { byteLength, engineByteLength } = manifest;
    const sidecar = decodeSidecar(
      await gather(chunks(engineByteLength, byteLength), byteLength - engineByteLength),
    );
    if (sidecar.ids.length !== manifest.count) {
      throw new VicinityError('INDEX_CORRUPTED', 'the id map does not match the manifest count');
    }
    const capacity = Math.max(request.initialCapacity, sidecar.nextLabel, manifest.count);
    const engine = await loadEngineFromChunks(
      this.#engines,
      kind,
      { params, capacity, indexName: request.name },
      engineByteLength,
      chunks(0, engineByteLength),
    );
    try {
      const efSearch = request.efSearch ?? sidecar.efSearch;
      const collection = new VectorCollection(engine, params, efSearch, sidecar);
      return { collection, text: openText(request.text, sidecar.text, collection) };
    } catch (error) {
      await engine.dispose().catch(() => undefined);
      throw error;
    }
  }

  upsert(
    ids: string[],
    vectors: Float32Array,
    metadata: (Metadata | undefined)[],
    texts?: (string | undefined)[],
  ): Promise<MutationResult> {
    return this.#run(() => {
      const startedAt = performance.now();
      const { collection, text } = this.#open();
      if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'ids must be an array');
      // Checked before anything changes: a bad text leaves vectors untouched too.
      if (texts !== undefined) assertTexts(texts, ids.length);
      collection.upsert(ids, vectors, metadata);
      // Upsert replaces an item's text: one sent without text has none after.
      ids.forEach((id, i) => text.set(id, texts?.[i], metadata[i]));
      return this.#mutated(ids.length, startedAt);
    });
  }

  remove(ids: string[]): Promise<MutationResult> {
    return this.#run(() => {
      const startedAt = performance.now();
      const { collection, text } = this.#open();
      if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'ids must be an array');
      const removed = collection.remove(ids);
      for (const id of ids) text.remove(id);
      return this.#mutated(removed, startedAt);
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

  /**
   * Text or hybrid queries (see answerText): `texts` one per query, and for
   * hybrid their vectors packed in `vectors`.
   */
  searchText(
    texts: string[],
    vectors: Float32Array | null,
    request: SearchRequest,
    mode: TextRequest,
  ) {
    return this.#run(async () => {
      const startedAt = performance.now();
      const { text } = this.#open();
      const collection: VectorCollection = this.#open().collection;
      checkRequest(request);
      assertTextRequest(mode);
      assertTexts(texts, Array.isArray(texts) ? texts.length : 0, true);
      if (mode.mode === 'hybrid') collection.assertQuery(vectors, texts.length);
      // BM25's document frequencies count removed items until they are swept:
      // the first text search after a write sweeps them, so that scores are exact.
      await text.compact();
      const value = answerText(collection, text, texts, vectors, request, mode);
      return { value, workerMs: performance.now() - startedAt };
    });
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
          writtenBytes: 0,
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
    const { store, collection, text } = this.#open();
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
    await text.compact();
    const parts = await collection
      .snapshotParts(textSnapshot(text))
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
    return this.#writeGeneration(
      store,
      collection,
      generation,
      parts,
      // The generation this one grew from verified when it was opened (or
      // was written here): it stays as the fallback, whatever is newer.
      this.#savedGeneration,
    );
  }

  /**
   * Stores the snapshot `parts` (engine, sidecar) of `collection` as `generation`, with its manifest,
   * keeping `keep` (and whatever is newer) as the fallback; then takes it as
   * the index's state (see #wrote).
   */
  async #writeGeneration(
    store: IndexStore,
    collection: VectorCollection,
    generation: number,
    parts: readonly [engine: SnapshotSource, sidecar: SnapshotSource],
    keep: number | null,
  ): Promise<Omit<SaveResult, 'workerMs'>> {
    const { manifest, writtenBytes } = await store.writeSnapshot(
      {
        format: FORMAT_VERSION,
        engine: collection.engine.kind,
        engineFormat: 'hnswlib-wasm32',
        ...collection.params,
        count: collection.size,
        generation,
        engineByteLength: parts[0].byteLength,
        savedAt: Date.now(),
      },
      parts,
      keep,
    );
    return { ...this.#wrote(manifest, collection), writtenBytes };
  }

  /** The state once a generation is stored: it is what the index holds and what it grew from. */
  #wrote(
    manifest: Manifest,
    collection: VectorCollection,
  ): Omit<SaveResult, 'workerMs' | 'writtenBytes'> {
    const { generation } = manifest;
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
      const { name, collection, text } = this.#open();
      const { bytes, engineByteLength } = await collection.snapshot(textSnapshot(text));
      const snapshot: ReplicaSnapshot = {
        name,
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

  /**
   * Starts importing a native hnswlib file into the index this worker has
   * just created: nothing may have been written to it, and nothing saved
   * under its name (CONFLICT otherwise). The bytes follow with importChunk.
   */
  importBegin(request: ImportRequest): Promise<void> {
    return this.#run(() => {
      const { name, collection } = this.#open();
      if (this.#savedGeneration !== null || this.#generation !== 0 || collection.size > 0) {
        throw new VicinityError(
          'CONFLICT',
          `index "${name}" exists already; import under another name, or delete it first`,
        );
      }
      if (this.#import) throw new VicinityError('INVALID_OPTIONS', 'an import is under way');
      const { totalBytes } = request ?? {};
      if (totalBytes !== null && !(Number.isSafeInteger(totalBytes) && totalBytes >= 0)) {
        throw new VicinityError('INVALID_OPTIONS', 'totalBytes must be a byte count or null');
      }
      this.#import = {
        request,
        ids: new Map(),
        metadata: new Map(),
        converter: new LayoutConverter({
          from: 'native64',
          to: 'wasm32',
          dimensions: collection.params.dimensions,
          totalBytes: request.totalBytes,
          // Any labels fit, and the id map stays dense: ids are looked up by the file's labels.
          labels: 'position',
          vectors: {
            from: 'none',
            to: collection.params.quantization,
            check: importedVectorCheck(collection.params.metric),
          },
        }),
      };
    });
  }

  importIds(part: LabelPart<string>): Promise<void> {
    return this.#run(() => {
      const pending = this.#pending();
      addLabelPart(pending.ids, part, 'ids', (id, where) => {
        assertId(id, where);
        return id;
      });
    });
  }

  importMetadata(part: LabelPart<Metadata>): Promise<void> {
    return this.#run(() => {
      const pending = this.#pending();
      addLabelPart(pending.metadata, part, 'metadata', (metadata, where) => {
        assertMetadata(metadata, where);
        return metadata as Metadata;
      });
    });
  }

  #pending(): PendingImport {
    this.#open();
    if (!this.#import) throw new VicinityError('INVALID_OPTIONS', 'no import is under way');
    return this.#import;
  }

  importChunk(chunk: Uint8Array): Promise<ImportProgress> {
    return this.#run(() => {
      const pending = this.#pending();
      if (!(chunk instanceof Uint8Array)) {
        throw new VicinityError('INVALID_OPTIONS', 'index bytes must arrive as a Uint8Array');
      }
      try {
        pending.converter.push(chunk);
      } catch (error) {
        this.#import = null;
        throw error;
      }
      return { loadedBytes: pending.converter.loadedBytes, totalBytes: pending.request.totalBytes };
    });
  }

  /**
   * Checks the whole file and the ids against each other, loads the graph
   * into the engine and saves it, with the ids and metadata, as generation 1.
   * The empty index it replaces is discarded only once that has succeeded.
   */
  importEnd(): Promise<ImportResult> {
    return this.#run(async () => {
      const startedAt = performance.now();
      const state = this.#open();
      const pending = this.#import;
      this.#import = null;
      if (!pending) throw new VicinityError('INVALID_OPTIONS', 'no import is under way');
      const converted = pending.converter.finish();
      const empty = state.collection;
      const params: EngineParams = {
        ...empty.params,
        M: converted.header.M,
        efConstruction: converted.header.efConstruction,
      };
      if (params.M !== empty.params.M || params.efConstruction !== empty.params.efConstruction) {
        throw new VicinityError(
          'INCOMPATIBLE_OPTIONS',
          `the file was built with M ${params.M} and efConstruction ${params.efConstruction}, ` +
            `the index was opened with ${empty.params.M} and ${empty.params.efConstruction}`,
        );
      }
      const sidecar = importedSidecar(
        converted,
        pending,
        params.metric,
        empty.efSearch,
        params.quantization,
      );
      // hnswlib-wasm's loader allocates the capacity it is given: as much as a new index would have.
      const capacity = Math.max(converted.header.count, empty.engine.capacity());
      empty.assertHeapRoom(capacity, converted.header.count, params);
      const engine = await loadEngine(
        this.#engines,
        empty.engine.kind,
        {
          params,
          capacity,
          indexName: state.name,
        },
        converted.bytes,
      );
      let collection: VectorCollection;
      let saved: Omit<SaveResult, 'workerMs'>;
      try {
        collection = new VectorCollection(engine, params, empty.efSearch, sidecar);
        collection.memoryLimit = empty.memoryLimit;
        saved = await withLock(`vicinity:${state.name}`, () =>
          this.#saveImported(collection, converted.bytes, sidecar),
        );
      } catch (error) {
        await engine.dispose().catch(() => undefined);
        throw error;
      }
      this.#state = {
        ...state,
        collection,
        text: openText(state.text.config, undefined, collection),
      };
      await empty.engine.dispose().catch(() => undefined);
      this.#log?.('debug', `imported ${collection.size} vectors into "${state.name}"`);
      return {
        params,
        efSearch: collection.efSearch,
        size: collection.size,
        generation: saved.generation,
        created: false,
        checksum: saved.checksum,
        byteLength: saved.byteLength,
        workerMs: performance.now() - startedAt,
      };
    });
  }

  /** Writes an imported index as generation 1, if no tab saved under its name meanwhile. */
  async #saveImported(
    collection: VectorCollection,
    engineBytes: Uint8Array,
    sidecar: Sidecar,
  ): Promise<Omit<SaveResult, 'workerMs'>> {
    const { name, store } = this.#open();
    const newest = (await store.generations())[0];
    if (newest !== undefined) {
      throw new VicinityError(
        'CONFLICT',
        `another tab saved generation ${newest} of "${name}" during the import; nothing was imported`,
      );
    }
    const json = encodeSidecar(sidecar);
    await assertRoomFor(engineBytes.byteLength + json.byteLength);
    const parts = [bufferSource(engineBytes), bufferSource(json)] as const;
    return this.#writeGeneration(store, collection, 1, parts, null);
  }

  /**
   * The index, saved or not, in native hnswlib's layout: each element
   * labelled by its position, with the id (null: marked deleted) and
   * metadata of each label.
   */
  exportNative(): Promise<NativeExport> {
    return this.#run(async () => {
      const { collection } = this.#open();
      const { bytes, engineByteLength } = await collection.snapshot();
      const { engineBytes, sidecar } = decodeSnapshot(bytes, engineByteLength);
      const { quantization, metric: stored } = collection.params;
      // An int8 index writes its dequantised vectors: native hnswlib reads float32 only.
      const converted = convertLayout(engineBytes, {
        from: 'wasm32',
        to: 'native64',
        labels: 'position',
        vectors: { from: quantization, to: 'none', normalise: stored === 'cosine' },
      });
      const idOf = new Map<number, string>();
      sidecar.ids.forEach((id, i) => idOf.set(sidecar.labels[i] as number, id));
      const metadataOf = new Map(sidecar.metadata);
      const ids: (string | null)[] = [];
      const metadata: (Metadata | null)[] = [];
      converted.labels.forEach((label, position) => {
        const id = converted.deleted[position] ? undefined : idOf.get(label);
        if (id === undefined && !converted.deleted[position]) {
          throw new VicinityError(
            'ENGINE_ERROR',
            `the engine holds label ${label}, which has no id`,
          );
        }
        ids.push(id ?? null);
        metadata.push(id === undefined ? null : (metadataOf.get(label) ?? null));
      });
      if (ids.length - converted.deleted.reduce((n, d) => n + d, 0) !== sidecar.ids.length) {
        throw new VicinityError('ENGINE_ERROR', 'the engine does not hold every id of the index');
      }
      const { metric, dimensions } = collection.params;
      const result: NativeExport = { hnswlib: converted.bytes, ids, metadata, metric, dimensions };
      return transfer(result, [converted.bytes.buffer]);
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
        memory: {
          wasmHeapBytes: collection.engine.memoryBytes(),
          modelledBytes: Math.round(collection.modelledHeapBytes()),
          limitBytes: collection.memoryLimit,
          jsHeapBytes: jsHeapBytes(),
        },
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

/** The text index as saved: absent while it holds no text, so that snapshots without text stay as they were. */
function textSnapshot(text: TextIndex): unknown {
  return text.size === 0 ? undefined : text.toSnapshot();
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
  if (request.quantization !== undefined && request.quantization !== manifest.quantization) {
    clashes.push(`quantization ${request.quantization} (stored ${manifest.quantization})`);
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

/** The worker's JS heap in use, where the browser says (Chromium's performance.memory); null elsewhere. */
function jsHeapBytes(): number | null {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize?: unknown } }).memory;
  return typeof memory?.usedJSHeapSize === 'number' ? memory.usedJSHeapSize : null;
}
