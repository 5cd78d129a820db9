import type { HierarchicalNSW, HnswlibModule } from 'hnswlib-wasm';
import { toVicinityError } from '../../core/VicinityError.js';
import { withLock } from '../../util/withLock.js';
import { sleep } from '../../util/sleep.js';
import { withTimeout } from '../../util/withTimeout.js';
import type { BatchResult, Engine, EngineFactory } from '../Engine.js';
import type { EngineParams } from '../../core/protocol.js';
import { assertAddressable, snapshotBytes } from '../../core/memoryModel.js';
import { assertQuantizable } from '../../core/engineChoice.js';
import {
  awaitScratchFile,
  deleteScratchFile,
  newScratchFile,
  sweepScratch,
  writeScratchFile,
} from './IdbfsScratch.js';

/** Loads hnswlib-wasm; a parameter so that tests can pass another build. */
export type HnswlibLoader = () => Promise<HnswlibModule>;

const defaultLoader: HnswlibLoader = async () => (await import('hnswlib-wasm')).loadHnswlib();

/*
 * Every tab and worker of the origin shares one IDBFS database, and a sync
 * that writes deletes the records its own file system lacks: another
 * worker's file, written for a load a moment before, would vanish. So the
 * steps that put files in and take them out hold this lock.
 */
const IDBFS_LOCK = 'vicinity:idbfs';

/** Seed of hnswlib's level generator, fixed so that builds are repeatable. */
const RANDOM_SEED = 100;

/*
 * Measured: writeIndex plus its IDBFS sync took 0.87 s for a 54.5 MB index
 * (63 MB/s). A sync that hits the quota never calls back, so the wait is
 * bounded: a base plus 4 MB/s, sixteen times slower than measured.
 */
function syncBudgetMs(bytes: number): number {
  return 3_000 + bytes / 4_000;
}

export interface HnswlibWasmEngineOptions {
  readonly params: EngineParams;
  /** Unique per worker: files of other tabs in the shared IDBFS database are not ours. */
  readonly scratchFile: string;
  readonly loader?: HnswlibLoader;
}

export class HnswlibWasmEngine implements Engine {
  readonly kind = 'hnswlib-wasm';
  #lib: HnswlibModule;
  #index: HierarchicalNSW;
  #params: EngineParams;
  #scratchFile: string;
  #lastBytes = 0;

  private constructor(
    lib: HnswlibModule,
    index: HierarchicalNSW,
    params: EngineParams,
    scratchFile: string,
  ) {
    this.#lib = lib;
    this.#index = index;
    this.#params = params;
    this.#scratchFile = scratchFile;
  }

  /** A new, empty index with room for `capacity` vectors. */
  static async create(
    options: HnswlibWasmEngineOptions,
    capacity: number,
  ): Promise<HnswlibWasmEngine> {
    assertAddressable(options.params, capacity);
    assertQuantizable('hnswlib-wasm', options.params.quantization);
    await sweepScratch().catch(() => 0);
    const lib = await (options.loader ?? defaultLoader)();
    const { params } = options;
    const index = new lib.HierarchicalNSW(params.metric, params.dimensions, '');
    index.initIndex(capacity, params.M, params.efConstruction, RANDOM_SEED);
    return new HnswlibWasmEngine(lib, index, params, options.scratchFile);
  }

  /**
   * An index read from bytes. The bytes are put into IDBFS *before* the module
   * mounts it: the mount copies them in, faster than a later populate sync.
   */
  static async load(
    options: HnswlibWasmEngineOptions,
    bytes: Uint8Array,
    capacity: number,
  ): Promise<HnswlibWasmEngine> {
    return withLock(IDBFS_LOCK, () => HnswlibWasmEngine.#load(options, bytes, capacity));
  }

  static async #load(
    options: HnswlibWasmEngineOptions,
    bytes: Uint8Array,
    capacity: number,
  ): Promise<HnswlibWasmEngine> {
    const { params, scratchFile } = options;
    assertAddressable(params, capacity);
    assertQuantizable('hnswlib-wasm', params.quantization);
    await sweepScratch().catch(() => 0);
    await writeScratchFile(scratchFile, bytes);
    const lib = await (options.loader ?? defaultLoader)();
    const fs = lib.EmscriptenFileSystemManager;
    if (!fs.checkFileExists(scratchFile)) {
      // The module was mounted before our write (a reused worker): pull it in.
      await withTimeout(
        new Promise<void>((resolve) => void fs.syncFS(true, resolve)),
        syncBudgetMs(bytes.byteLength),
        'IDBFS populate sync',
      );
    }
    const index = new lib.HierarchicalNSW(params.metric, params.dimensions, '');
    try {
      await index.readIndex(scratchFile, capacity);
    } catch (error) {
      throw toVicinityError(error, 'INDEX_CORRUPTED', 'hnswlib-wasm could not read the index');
    } finally {
      await deleteScratchFile(scratchFile).catch(() => undefined);
    }
    const engine = new HnswlibWasmEngine(lib, index, params, scratchFile);
    engine.#lastBytes = bytes.byteLength;
    return engine;
  }

  capacity(): number {
    return this.#index.getMaxElements();
  }

  count(): number {
    return this.#index.getCurrentCount();
  }

  resize(capacity: number): void {
    assertAddressable(this.#params, capacity);
    this.#index.resizeIndex(capacity);
  }

  add(vector: Float32Array, label: number, reuseDeleted: boolean): void {
    this.#index.addPoint(vector, label, reuseDeleted);
  }

  markDeleted(label: number): void {
    this.#index.markDelete(label);
  }

  searchBatch(
    queries: Float32Array,
    count: number,
    k: number,
    accept?: (label: number) => boolean,
  ): BatchResult {
    const dim = this.#params.dimensions;
    const labels = new Uint32Array(count * k);
    const distances = new Float32Array(count * k);
    const counts = new Uint32Array(count);
    for (let q = 0; q < count; q++) {
      const r = this.#index.searchKnn(queries.subarray(q * dim, (q + 1) * dim), k, accept);
      labels.set(r.neighbors, q * k);
      distances.set(r.distances, q * k);
      counts[q] = r.neighbors.length;
    }
    return { labels, distances, counts };
  }

  setEf(ef: number): void {
    this.#index.setEfSearch(ef);
  }

  getVector(label: number): Float32Array {
    return Float32Array.from(this.#index.getPoint(label));
  }

  /**
   * writeIndex writes into IDBFS and starts a sync of its own; the bytes are
   * read back from the IDBFS record once that sync has committed. Callers
   * must not overlap two serialize calls (the worker runs one operation at a
   * time): overlapping IDBFS syncs leave a promise pending forever.
   */
  async serialize(): Promise<Uint8Array> {
    return withLock(IDBFS_LOCK, () => this.#serialize());
  }

  async #serialize(): Promise<Uint8Array> {
    const since = Date.now();
    const budget = syncBudgetMs(
      Math.max(this.#lastBytes, snapshotBytes(this.#params, this.count())),
    );
    await withTimeout(
      Promise.resolve(this.#index.writeIndex(this.#scratchFile)),
      budget,
      'writeIndex',
    );
    const bytes = await awaitScratchFile(this.#scratchFile, since, budget);
    // Let the module's own sync callback run before anything else touches IDBFS.
    await this.#settleSync(budget);
    await deleteScratchFile(this.#scratchFile).catch(() => undefined);
    this.#lastBytes = bytes.byteLength;
    return bytes;
  }

  async #settleSync(budgetMs: number): Promise<void> {
    const fs = this.#lib.EmscriptenFileSystemManager;
    const deadline = Date.now() + budgetMs;
    while (!fs.isSynced() && Date.now() < deadline) await sleep(5);
  }

  memoryBytes(): number {
    return this.#lib.HEAPU8.buffer.byteLength;
  }

  /**
   * Frees the index. hnswlib-wasm keeps one module per worker, and embind
   * objects live until `delete()`: without it, every replica reload would
   * leave a whole index behind in the heap.
   */
  async dispose(): Promise<void> {
    (this.#index as HierarchicalNSW & { delete(): void }).delete();
    await deleteScratchFile(this.#scratchFile).catch(() => undefined);
  }
}

/** hnswlib-wasm, for the worker entry that runs it (worker-hnswlib-wasm.ts). */
export const hnswlibWasmFactory: EngineFactory = {
  create: ({ params, capacity, indexName }) =>
    HnswlibWasmEngine.create({ params, scratchFile: newScratchFile(indexName) }, capacity),
  load: ({ params, capacity, indexName }, bytes) =>
    HnswlibWasmEngine.load({ params, scratchFile: newScratchFile(indexName) }, bytes, capacity),
};
