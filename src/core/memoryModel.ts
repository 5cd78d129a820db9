import { VicinityError } from './VicinityError.js';
import type { EngineParams } from './protocol.js';
import type { EngineKind, Quantization } from './types.js';

/*
 * What an index costs in a worker's WASM heap, from hnswlib's layout in
 * wasm32 (4-byte size_t and pointers). Per slot of capacity, allocated when
 * the capacity grows whether or not a vector fills it: the level-0 record
 * (maxM0 = 2·M link ids and their count, the vector, the label), a pointer
 * to the upper-level links, the element's level, the visited-list mark and
 * a per-element lock. Per vector held: its node in the label map and its
 * upper-level link lists (a share 1/(M-1) of an M-link list, on average).
 * The constants were checked against the heap that both engines report
 * (test/browser/memory.spec.ts). An int8 index stores 8 + dimensions bytes a
 * vector instead of 4 · dimensions (src/native/int8Codes.ts); nothing else changes.
 */

/** Bytes of the header before an element's codes: its scale and squared norm. */
export const CODE_HEADER_BYTES = 8;

/** Bytes of one element's vector data in the engine's layout. */
export function vectorDataBytes(dimensions: number, quantization: Quantization): number {
  return quantization === 'int8' ? CODE_HEADER_BYTES + dimensions : 4 * dimensions;
}

/** The largest heap each engine's build can grow to: its Emscripten MAXIMUM_MEMORY. */
export const HEAP_LIMIT_BYTES: Readonly<Record<EngineKind, number>> = {
  // scripts/build-wasm.sh: -sMAXIMUM_MEMORY=4GB, one 64 KiB page short of it.
  simd: 4 * 1024 ** 3 - 65_536,
  // hnswlib-wasm 0.8 is built with the default cap of 2 GiB.
  'hnswlib-wasm': 2 * 1024 ** 3,
};

/**
 * The heap a write may plan to use: the build's limit less 5 %, left for the
 * allocator's fragmentation and the buffers of searches and saves.
 */
export function usableHeapBytes(kind: EngineKind): number {
  return Math.floor(HEAP_LIMIT_BYTES[kind] * 0.95);
}

/**
 * The SIMD engine saves, and copies itself for replicas and exports, by
 * reading its index out through one buffer of a stored chunk's size
 * (storage's CHUNK_BYTES); hnswlib-wasm writes one whole file beside it.
 */
export const STREAM_WINDOW_BYTES = 4 * 1024 ** 2;

/** What the module itself holds of the heap: static data, stack, allocator. */
export const MODULE_BYTES = 2 * 1024 ** 2;
/** The heap both builds start with, before any growth. */
export const INITIAL_HEAP_BYTES = 16 * 1024 ** 2;

/** A std::mutex and the bookkeeping of vectors beside it, per slot. */
const SLOT_OVERHEAD_BYTES = 4 + 4 + 2 + 24;
/** A label-map node with its allocation header, and its bucket. */
const MAP_NODE_BYTES = 32;
/** An allocation's header and alignment, on each upper-level link list. */
const ALLOCATION_BYTES = 8;

type Shape = Pick<EngineParams, 'dimensions' | 'M'> & Partial<Pick<EngineParams, 'quantization'>>;

/** Bytes of one level-0 record: links, vector, label. */
export function levelZeroBytes({ dimensions, M, quantization = 'none' }: Shape): number {
  return 2 * M * 4 + 4 + vectorDataBytes(dimensions, quantization) + 4;
}

/** Bytes each slot of capacity takes, filled or not. */
export function slotBytes(shape: Shape): number {
  return levelZeroBytes(shape) + SLOT_OVERHEAD_BYTES;
}

/** Bytes each vector held takes beyond its slot. */
export function vectorBytes({ M }: Shape): number {
  return MAP_NODE_BYTES + (M * 4 + 4 + ALLOCATION_BYTES) / (M - 1);
}

/** The heap an index of `count` vectors in `capacity` slots needs, the module's own included. */
export function indexHeapBytes(shape: Shape, capacity: number, count: number): number {
  return MODULE_BYTES + capacity * slotBytes(shape) + count * vectorBytes(shape);
}

/**
 * The heap at its peak while the capacity grows from `from` to `to` slots:
 * hnswlib reallocates level 0, so for a moment the old block and the new
 * one are both held.
 */
export function growthPeakBytes(shape: Shape, from: number, to: number, count: number): number {
  return indexHeapBytes(shape, to, count) + from * levelZeroBytes(shape);
}

/** About what a save writes: vectors, level-0 links, ids, and the manifest. */
export function snapshotBytes(
  { dimensions, M, quantization = 'none' }: Shape,
  count: number,
): number {
  return count * (vectorDataBytes(dimensions, quantization) + M * 2 * 4 + 48) + 4096;
}

/**
 * hnswlib sizes level 0 as capacity × record bytes in a 32-bit size_t: past
 * 4 GiB the product wraps, and a smaller block than the index needs would be
 * allocated. Every capacity an engine is given is checked here first.
 */
export function assertAddressable(shape: Shape, capacity: number): void {
  if (capacity * levelZeroBytes(shape) >= 2 ** 32) {
    throw new VicinityError(
      'MEMORY_LIMIT',
      `${capacity} slots of ${shape.dimensions} dimensions do not fit in a wasm32 heap of 4 GiB`,
    );
  }
}
