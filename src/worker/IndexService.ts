import { transfer } from 'comlink';
import { VicinityError } from '../core/VicinityError.js';
import type {
  ImportProgress,
  ImportRequest,
  ImportResult,
  IndexServiceApi,
  LabelPart,
  LogSink,
  MutationResult,
  NativeExport,
  OpenRequest,
  OpenResult,
  RawHit,
  ReplicaSnapshot,
  SaveResult,
  SearchRequest,
  TextRequest,
  Timed,
  WorkerStats,
} from '../core/protocol.js';
import type { Metadata } from '../core/types.js';
import type { EngineFactories } from '../engine/Engine.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import { IndexStore } from '../storage/IndexStore.js';
import { assertTexts } from '../text/assertTexts.js';
import { openText } from '../text/openText.js';
import type { TextIndex } from '../text/TextIndex.js';
import { SerialQueue } from '../util/SerialQueue.js';
import { withLock } from '../util/withLock.js';
import { nextTask } from '../util/nextTask.js';
import { assertEf } from '../validation/validateInput.js';
import { Generations } from './Generations.js';
// Native files' code is loaded by import and export only, not with the worker.
import type { PendingImport } from './nativeImport.js';
type NativeImport = typeof import('./nativeImport.js');
import { openIndex, openedNotes } from './openIndex.js';
import { workerStats } from './workerStats.js';
import { saveGeneration, saveImported, textSnapshot, type Saved } from './saveGeneration.js';
import { searchMany, searchText } from './searchCalls.js';

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
  /** What has been written and what saved: the source of truth the page's state follows. */
  readonly #generations = new Generations();
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

  /** No call is running or waiting. */
  get idle(): boolean {
    return this.#queue.idle;
  }

  /**
   * Runs `report` after every call received so far has posted its answer (a
   * task later: Comlink posts from promise callbacks), before any later call.
   */
  afterQueued(report: () => void): void {
    void this.#run(async () => {
      await nextTask();
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
        const { collection, text, stored } = await openIndex(this.#engines, request, store);
        this.#state = { kind: 'open', name: request.name, store, collection, text };
        if (request.maxMemoryBytes !== undefined) collection.memoryLimit = request.maxMemoryBytes;
        collection.assertHeapRoom(collection.engine.capacity(), collection.engine.count());
        if (stored) {
          const { manifest, recoveredFrom, migratedFrom } = stored;
          this.#generations.opened(manifest, recoveredFrom, migratedFrom);
          for (const [level, message] of openedNotes(manifest, stored)) this.#log?.(level, message);
        } else {
          this.#log?.('debug', `created index "${request.name}"`);
        }
        return {
          params: collection.params,
          efSearch: collection.efSearch,
          size: collection.size,
          generation: this.#generations.current,
          created: stored === null,
          checksum: stored?.manifest.checksum ?? null,
          text: text.config,
        };
      } catch (error) {
        this.#state = { kind: 'idle' };
        store.close();
        throw error;
      }
    });
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
    this.#generations.changed(changed);
    const workerMs = performance.now() - startedAt;
    const { current: generation, unsaved, saved: savedGeneration } = this.#generations;
    return { size: collection.size, generation, changed, unsaved, savedGeneration, workerMs };
  }

  /** Text or hybrid queries: one text each, and for hybrid their vectors packed. */
  searchText(
    texts: string[],
    vectors: Float32Array | null,
    request: SearchRequest,
    mode: TextRequest,
  ): Promise<Timed<RawHit[][]>> {
    return this.#run(() => {
      const { collection, text } = this.#open();
      return searchText(collection, text, texts, vectors, request, mode);
    });
  }

  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    return this.#run(() => searchMany(this.#open().collection, queries, count, request));
  }

  exactSearchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
    range: { offset: number; limit: number },
  ): Promise<Timed<RawHit[][]>> {
    return this.#run(() => {
      const { collection } = this.#open();
      return searchMany(collection, queries, count, request, () =>
        collection.exactBatch(queries, count, request, range),
      );
    });
  }

  setEfSearch(ef: number): Promise<MutationResult> {
    return this.#run(() => {
      const startedAt = performance.now();
      assertEf(ef);
      const { collection } = this.#open();
      const changed = collection.efSearch === ef ? 0 : 1;
      collection.efSearch = ef;
      // Saved with the index: a change to save like any write.
      return this.#mutated(changed, startedAt);
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
      const generations = this.#generations;
      if (generations.clean) {
        return {
          generation: generations.current,
          byteLength: generations.snapshotBytes,
          size: collection.size,
          wrote: false,
          writtenBytes: 0,
          checksum: generations.checksum as string,
          workerMs: performance.now() - startedAt,
        };
      }
      // One writer per index across tabs and workers.
      const result = await withLock(`vicinity:${name}`, () =>
        saveGeneration(this.#open(), generations),
      );
      return { ...result, workerMs: performance.now() - startedAt };
    });
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
        generation: this.#generations.current,
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
    return this.#run(async () => {
      const { beginImport } = await import('./nativeImport.js');
      const { name, collection } = this.#open();
      const { saved, current } = this.#generations;
      if (saved !== null || current !== 0 || collection.size > 0) {
        throw new VicinityError(
          'CONFLICT',
          `index "${name}" exists already; import under another name, or delete it first`,
        );
      }
      if (this.#import) throw new VicinityError('INVALID_OPTIONS', 'an import is under way');
      this.#import = beginImport(collection, request);
    });
  }

  importIds(part: LabelPart<string>): Promise<void> {
    return this.#run(async () =>
      (await import('./nativeImport.js')).addImportIds(this.#pending(), part),
    );
  }

  importMetadata(part: LabelPart<Metadata>): Promise<void> {
    return this.#run(async () =>
      (await import('./nativeImport.js')).addImportMetadata(this.#pending(), part),
    );
  }

  importChunk(chunk: Uint8Array): Promise<ImportProgress> {
    return this.#run(async () => {
      const native: NativeImport = await import('./nativeImport.js');
      const pending = this.#pending();
      native.assertChunk(chunk);
      try {
        return native.pushImportChunk(pending, chunk);
      } catch (error) {
        // A malformed file ends the import: nothing of it is kept.
        this.#import = null;
        throw error;
      }
    });
  }

  #pending(): PendingImport {
    this.#open();
    if (!this.#import) throw new VicinityError('INVALID_OPTIONS', 'no import is under way');
    return this.#import;
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
      const empty = state.collection;
      const { loadImport } = await import('./nativeImport.js');
      const { collection, engineBytes, sidecar } = await loadImport(
        this.#engines,
        state.name,
        empty,
        pending,
      );
      let saved: Saved;
      try {
        saved = await withLock(`vicinity:${state.name}`, () =>
          saveImported(state, this.#generations, collection, engineBytes, sidecar),
        );
      } catch (error) {
        await collection.engine.dispose().catch(() => undefined);
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
        params: collection.params,
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

  /**
   * The index, saved or not, in native hnswlib's layout: each element
   * labelled by its position, with the id (null: marked deleted) and
   * metadata of each label.
   */
  exportNative(): Promise<NativeExport> {
    return this.#run(async () =>
      (await import('./nativeExport.js')).nativeExport(this.#open().collection),
    );
  }

  stats(): Promise<WorkerStats> {
    return this.#run(() => workerStats(this.#open().collection, this.#generations));
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
