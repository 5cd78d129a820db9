import { VicinityError } from '../core/VicinityError.js';
import type { Metric, Quantization } from '../core/types.js';
import type { SnapshotSource } from '../storage/SnapshotSource.js';
import type { BatchResult, Engine, EngineFactory, EngineLoad } from './Engine.js';
import type { EngineParams } from '../core/protocol.js';
import { assertAddressable } from '../core/memoryModel.js';
import type { HnswSimdModule } from './simd/HnswSimdModule.js';

/** Loads the SIMD build; a parameter so that tests can pass another. */
export type SimdLoader = () => Promise<HnswSimdModule>;

const defaultLoader: SimdLoader = async () => (await import('./simd/hnsw-simd.js')).default();

const METRIC_CODE: Record<Metric, number> = { l2: 0, ip: 1, cosine: 2 };
/** native/vicinity_hnsw.cpp's Quantization. */
const QUANTIZATION_CODE: Record<Quantization, number> = { none: 0, int8: 1 };
const RANDOM_SEED = 100;
/** Bytes a streaming load copies into the heap per call: a chunk at most. */
const FEED_BYTES = 4 << 20;
const acceptAll = () => true;

/** A streaming load whose result is a SimdEngine (see EngineFactory.loadStream). */
export interface SimdEngineLoad extends EngineLoad {
  finish(): SimdEngine;
}

/**
 * hnswlib compiled with WebAssembly SIMD behind a plain C API
 * (native/vicinity_hnsw.cpp). Bytes move through memory, not a file system,
 * and its layout is hnswlib's own on wasm32, the same as hnswlib-wasm's.
 */
export class SimdEngine implements Engine {
  readonly kind = 'simd';
  #m: HnswSimdModule;
  #handle: number;
  #dim: number;
  #M: number;
  #quantization: Quantization;
  #vector: number;
  #out = { labels: 0, distances: 0, counts: 0, capacity: 0 };

  private constructor(m: HnswSimdModule, handle: number, params: EngineParams) {
    this.#m = m;
    this.#handle = handle;
    this.#dim = params.dimensions;
    this.#M = params.M;
    this.#quantization = params.quantization;
    this.#vector = this.#alloc(params.dimensions * 4);
  }

  static async create(
    params: EngineParams,
    capacity: number,
    loader = defaultLoader,
  ): Promise<SimdEngine> {
    assertAddressable(params, capacity);
    const m = await loader();
    const handle = m._vh_create(
      METRIC_CODE[params.metric],
      params.dimensions,
      params.M,
      params.efConstruction,
      capacity,
      RANDOM_SEED,
      QUANTIZATION_CODE[params.quantization],
    );
    if (handle === 0) throw failure(m, 'ENGINE_ERROR', 'creating the index');
    return new SimdEngine(m, handle, params);
  }

  /** Reads hnswlib's layout with bounds checks: malformed bytes give INDEX_CORRUPTED. */
  static async load(
    params: EngineParams,
    bytes: Uint8Array,
    capacity: number,
    loader = defaultLoader,
  ): Promise<SimdEngine> {
    assertAddressable(params, capacity);
    const m = await loader();
    const ptr = m._malloc(bytes.byteLength);
    if (ptr === 0)
      throw new VicinityError('MEMORY_LIMIT', `no room for ${bytes} bytes in the WASM heap`);
    try {
      m.HEAPU8.set(bytes, ptr);
      const handle = m._vh_load(
        METRIC_CODE[params.metric],
        params.dimensions,
        ptr,
        bytes.byteLength,
        capacity,
        QUANTIZATION_CODE[params.quantization],
      );
      if (handle === 0) throw failure(m, 'INDEX_CORRUPTED', 'reading the index');
      return new SimdEngine(m, handle, params);
    } finally {
      m._free(ptr);
    }
  }

  /**
   * A load fed hnswlib's layout in order (native/vicinity_hnsw.cpp,
   * LoadCursor): each piece passes through one buffer of at most FEED_BYTES
   * in the heap into the index's own memory, with the checks of `load`.
   */
  static async loadStream(
    params: EngineParams,
    byteLength: number,
    capacity: number,
    loader = defaultLoader,
  ): Promise<SimdEngineLoad> {
    assertAddressable(params, capacity);
    const m = await loader();
    let cursor = m._vh_load_begin(
      METRIC_CODE[params.metric],
      params.dimensions,
      byteLength,
      capacity,
      QUANTIZATION_CODE[params.quantization],
    );
    if (cursor === 0) throw failure(m, 'MEMORY_LIMIT', 'starting to read the index');
    let buffer = 0;
    let bufferBytes = 0;
    const release = () => {
      if (buffer !== 0) m._free(buffer);
      buffer = 0;
    };
    return {
      feed(bytes) {
        if (cursor === 0) throw new VicinityError('ENGINE_ERROR', 'the load has ended');
        for (let at = 0; at < bytes.byteLength; at += FEED_BYTES) {
          const piece = bytes.subarray(at, at + FEED_BYTES);
          if (bufferBytes < piece.byteLength) {
            release();
            buffer = m._malloc(piece.byteLength);
            if (buffer === 0)
              throw new VicinityError('MEMORY_LIMIT', 'no room in the WASM heap to read the index');
            bufferBytes = piece.byteLength;
          }
          m.HEAPU8.set(piece, buffer);
          const rc = m._vh_load_feed(cursor, buffer, piece.byteLength);
          if (rc === -2) throw failure(m, 'MEMORY_LIMIT', 'reading the index');
          if (rc < 0) throw failure(m, 'INDEX_CORRUPTED', 'reading the index');
        }
      },
      finish() {
        release();
        if (cursor === 0) throw new VicinityError('ENGINE_ERROR', 'the load has ended');
        const handle = m._vh_load_end(cursor);
        cursor = 0;
        if (handle === 0) {
          const memory = /out of memory/i.test(m.UTF8ToString(m._vh_last_error()));
          throw failure(m, memory ? 'MEMORY_LIMIT' : 'INDEX_CORRUPTED', 'reading the index');
        }
        return new SimdEngine(m, handle, params);
      },
      abort() {
        release();
        if (cursor !== 0) m._vh_load_abort(cursor);
        cursor = 0;
      },
    };
  }

  capacity(): number {
    return this.#m._vh_capacity(this.#handle) >>> 0;
  }

  count(): number {
    return this.#m._vh_count(this.#handle) >>> 0;
  }

  resize(capacity: number): void {
    assertAddressable(
      { dimensions: this.#dim, M: this.#M, quantization: this.#quantization },
      capacity,
    );
    this.#check(this.#m._vh_resize(this.#handle, capacity), 'resizing');
  }

  add(vector: Float32Array, label: number, reuseDeleted: boolean): void {
    this.#m.HEAPF32.set(vector, this.#vector >>> 2);
    this.#check(this.#m._vh_add(this.#handle, this.#vector, label, reuseDeleted ? 1 : 0), 'adding');
  }

  markDeleted(label: number): void {
    this.#check(this.#m._vh_mark_deleted(this.#handle, label), 'removing');
  }

  setEf(ef: number): void {
    this.#m._vh_set_ef(this.#handle, ef);
  }

  /** One query's hits, closest first: `searchBatch` with a count of 1. */
  search(
    query: Float32Array,
    k: number,
    accept?: (label: number) => boolean,
  ): { labels: Uint32Array; distances: Float32Array } {
    const { labels, distances, counts } = this.searchBatch(query, 1, k, accept);
    const n = counts[0] ?? 0;
    return { labels: labels.subarray(0, n), distances: distances.subarray(0, n) };
  }

  searchBatch(
    queries: Float32Array,
    count: number,
    k: number,
    accept?: (label: number) => boolean,
  ): BatchResult {
    const out = this.#outputs(count * k, count);
    const queryPtr = count === 1 ? this.#vector : this.#alloc(queries.byteLength);
    try {
      this.#m.HEAPF32.set(queries, queryPtr >>> 2);
      this.#m.acceptLabel = accept ?? acceptAll;
      const rc = this.#m._vh_search_batch(
        this.#handle,
        queryPtr,
        count,
        k,
        accept ? 1 : 0,
        out.labels,
        out.distances,
        out.counts,
      );
      this.#check(rc, 'searching');
      // Copies: the heap may move on the next call that grows memory.
      return {
        labels: this.#m.HEAPU32.slice(out.labels >>> 2, (out.labels >>> 2) + count * k),
        distances: this.#m.HEAPF32.slice(out.distances >>> 2, (out.distances >>> 2) + count * k),
        counts: this.#m.HEAPU32.slice(out.counts >>> 2, (out.counts >>> 2) + count),
      };
    } finally {
      this.#m.acceptLabel = acceptAll;
      if (queryPtr !== this.#vector) this.#m._free(queryPtr);
    }
  }

  /** For an int8 index, the dequantised vector: scale · code, an approximation of what was added. */
  getVector(label: number): Float32Array {
    this.#check(this.#m._vh_get_vector(this.#handle, label, this.#vector), 'reading a vector');
    return this.#m.HEAPF32.slice(this.#vector >>> 2, (this.#vector >>> 2) + this.#dim);
  }

  async serialize(): Promise<Uint8Array> {
    const length = this.#m._vh_serialized_size(this.#handle) >>> 0;
    const ptr = this.#alloc(length);
    try {
      this.#check(this.#m._vh_serialize(this.#handle, ptr, length), 'serializing');
      return this.#m.HEAPU8.slice(ptr, ptr + length);
    } finally {
      this.#m._free(ptr);
    }
  }

  /**
   * hnswlib's layout read out of the index's own memory window by window
   * (native/vicinity_hnsw.cpp, SaveCursor), through one buffer in the heap.
   */
  serializeStream(): SnapshotSource {
    const m = this.#m;
    let cursor = m._vh_save_begin(this.#handle);
    if (cursor === 0) throw failure(m, 'MEMORY_LIMIT', 'starting to serialize');
    const byteLength = m._vh_save_size(cursor) >>> 0;
    let buffer = 0;
    let bufferBytes = 0;
    const close = () => {
      if (buffer !== 0) m._free(buffer);
      buffer = 0;
      if (cursor !== 0) m._vh_save_end(cursor);
      cursor = 0;
    };
    return {
      byteLength,
      read: (max) => {
        if (cursor === 0) return new Uint8Array(0);
        if (bufferBytes < max) {
          if (buffer !== 0) m._free(buffer);
          buffer = 0;
          buffer = this.#alloc(max);
          bufferBytes = max;
        }
        const n = m._vh_save_read(cursor, buffer, max);
        if (n < 0) {
          close();
          throw failure(m, 'ENGINE_ERROR', 'serializing');
        }
        return m.HEAPU8.slice(buffer, buffer + n);
      },
      close,
    };
  }

  memoryBytes(): number {
    return this.#m.HEAPU8.buffer.byteLength;
  }

  async dispose(): Promise<void> {
    this.#m._vh_free(this.#handle);
    this.#handle = 0;
  }

  /** Result buffers, reused across searches and grown when a call needs more. */
  #outputs(slots: number, queries: number) {
    // counts needs `queries` entries, never more than `slots`.
    if (this.#out.capacity < Math.max(slots, queries)) {
      if (this.#out.capacity > 0) {
        this.#m._free(this.#out.labels);
        this.#m._free(this.#out.distances);
        this.#m._free(this.#out.counts);
      }
      const capacity = Math.max(slots, 64);
      this.#out = {
        labels: this.#alloc(capacity * 4),
        distances: this.#alloc(capacity * 4),
        counts: this.#alloc(capacity * 4),
        capacity,
      };
    }
    return this.#out;
  }

  #alloc(bytes: number): number {
    const ptr = this.#m._malloc(Math.max(bytes, 4));
    if (ptr === 0)
      throw new VicinityError('MEMORY_LIMIT', `no room for ${bytes} bytes in the WASM heap`);
    return ptr;
  }

  /** -2 is an allocation that failed (std::bad_alloc, or hnswlib's own "Not enough memory"). */
  #check(rc: number, what: string): void {
    if (
      rc === -2 ||
      (rc < 0 && /not enough memory/i.test(this.#m.UTF8ToString(this.#m._vh_last_error())))
    )
      throw failure(this.#m, 'MEMORY_LIMIT', what);
    if (rc < 0) throw failure(this.#m, 'ENGINE_ERROR', what);
  }
}

function failure(
  m: HnswSimdModule,
  code: 'ENGINE_ERROR' | 'INDEX_CORRUPTED' | 'MEMORY_LIMIT',
  what: string,
): VicinityError {
  return new VicinityError(code, `${what}: ${m.UTF8ToString(m._vh_last_error())}`);
}

/** The SIMD engine, for the worker entry that runs it (worker-simd.ts). */
export const simdFactory: EngineFactory = {
  create: ({ params, capacity }) => SimdEngine.create(params, capacity),
  load: ({ params, capacity }, bytes) => SimdEngine.load(params, bytes, capacity),
  loadStream: ({ params, capacity }, byteLength) =>
    SimdEngine.loadStream(params, byteLength, capacity),
};
