import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/Engine';
import type { EngineParams } from '../../src/core/protocol';
import { VectorCollection } from '../../src/engine/VectorCollection';
import {
  growthPeakBytes,
  HEAP_LIMIT_BYTES,
  indexHeapBytes,
  STREAM_WINDOW_BYTES,
  usableHeapBytes,
} from '../../src/core/memoryModel';
import { estimateMemory } from '../../src/client/estimate';
import { VicinityError } from '../../src/core/VicinityError';

const params: EngineParams = {
  dimensions: 384,
  metric: 'l2',
  M: 16,
  efConstruction: 100,
  quantization: 'none',
};

/** An engine that only counts: slots, labels and the resizes asked of it. */
function countingEngine(capacity: number) {
  const labels = new Set<number>();
  const resizes: number[] = [];
  let slots = capacity;
  const engine: Engine = {
    kind: 'simd',
    capacity: () => slots,
    count: () => labels.size,
    resize: (to) => {
      resizes.push(to);
      slots = to;
    },
    add: (_vector, label) => {
      if (labels.size >= slots) throw new Error('full');
      labels.add(label);
    },
    markDeleted: () => undefined,
    searchBatch: () => ({
      labels: new Uint32Array(),
      distances: new Float32Array(),
      counts: new Uint32Array(),
    }),
    setEf: () => undefined,
    getVector: () => new Float32Array(params.dimensions),
    serialize: async () => new Uint8Array(),
    memoryBytes: () => 16 * 1024 ** 2,
    dispose: async () => undefined,
  };
  return { engine, resizes };
}

function batch(from: number, n: number) {
  const vectors = new Float32Array(n * params.dimensions);
  for (let i = 0; i < n; i++) vectors[i * params.dimensions] = from + i + 1;
  return {
    ids: Array.from({ length: n }, (_, i) => `v${from + i}`),
    vectors,
    metadata: Array.from({ length: n }, () => undefined),
  };
}

function upsert(collection: VectorCollection, from: number, n: number) {
  const b = batch(from, n);
  collection.upsert(b.ids, b.vectors, b.metadata);
}

describe('the heap a write may take', () => {
  it('grows by half again while that fits, by just enough when only that does, and refuses past the limit', () => {
    const { engine, resizes } = countingEngine(1000);
    const collection = new VectorCollection(engine, params, 64);
    // Just short of what growing from 6,000 slots to 9,000 takes at its peak, with 6,500 vectors.
    collection.memoryLimit = growthPeakBytes(params, 6000, 9000, 6500) - 1;
    upsert(collection, 0, 1000);
    expect(resizes).toEqual([]);
    upsert(collection, 1000, 1000);
    expect(resizes).toEqual([2000]);
    upsert(collection, 2000, 4000);
    expect(resizes.at(-1)).toBe(6000);
    // 9,000 (half again) would not fit; 6,500 does.
    upsert(collection, 6000, 500);
    expect(resizes.at(-1)).toBe(6500);
    expect(collection.size).toBe(6500);

    const before = [...resizes];
    let error: unknown;
    try {
      upsert(collection, 6500, 20_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VicinityError);
    expect((error as VicinityError).code).toBe('MEMORY_LIMIT');
    expect((error as VicinityError).message).toMatch(/nothing was written/);
    // Nothing changed: no resize, no vector.
    expect(resizes).toEqual(before);
    expect(collection.size).toBe(6500);
  });

  it('a limit set by the caller never goes above the build’s own', () => {
    const { engine } = countingEngine(10);
    const collection = new VectorCollection(engine, params, 64);
    expect(collection.memoryLimit).toBe(usableHeapBytes('simd'));
    collection.memoryLimit = 64 * 1024 ** 2;
    expect(collection.memoryLimit).toBe(64 * 1024 ** 2);
    collection.memoryLimit = 2 ** 40;
    expect(collection.memoryLimit).toBe(usableHeapBytes('simd'));
  });

  it('assertHeapRoom refuses an index that would not fit, with MEMORY_LIMIT', () => {
    const { engine } = countingEngine(10);
    const collection = new VectorCollection(engine, params, 64);
    collection.memoryLimit = indexHeapBytes(params, 10_000, 10_000);
    expect(() => collection.assertHeapRoom(10_000, 10_000)).not.toThrow();
    expect(() => collection.assertHeapRoom(10_001, 10_001)).toThrow(
      expect.objectContaining({ code: 'MEMORY_LIMIT' }),
    );
  });
});

describe('VectorIndex.estimate', () => {
  it('grows with count, dimensions and M, and multiplies by workers', () => {
    const base = estimateMemory({ dimensions: 384, count: 100_000 });
    expect(estimateMemory({ dimensions: 384, count: 200_000 }).wasmHeapBytes).toBeGreaterThan(
      base.wasmHeapBytes,
    );
    expect(estimateMemory({ dimensions: 768, count: 100_000 }).bytesPerVector).toBeGreaterThan(
      base.bytesPerVector + 4 * 384 - 1,
    );
    // Twice the links at level 0: 16 more of 4 bytes each.
    expect(
      estimateMemory({ dimensions: 384, count: 100_000, M: 32 }).bytesPerVector,
    ).toBeGreaterThan(base.bytesPerVector + 2 * 16 * 4 - 8);
    expect(estimateMemory({ dimensions: 384, count: 100_000, workers: 3 }).totalBytes).toBe(
      base.wasmHeapBytes * 3,
    );
    // Per vector: the vector's bytes, level-0 links, and what hnswlib keeps beside them.
    expect(base.bytesPerVector).toBeGreaterThan(4 * 384 + 2 * 16 * 4);
    expect(base.bytesPerVector).toBeLessThan(4 * 384 + 400);
  });

  it('says what fits each engine, a save included: 1M × 768 in the SIMD build, which streams its saves; not in hnswlib-wasm', () => {
    const small = estimateMemory({ dimensions: 384, count: 1_000_000 });
    expect(small.fits).toBe(true);
    // The SIMD engine holds one 4 MiB window beside the index while it saves.
    expect(small.savePeakBytes).toBe(Math.ceil(small.indexBytes + STREAM_WINDOW_BYTES));
    const large = estimateMemory({ dimensions: 768, count: 1_000_000 });
    expect(large.fits).toBe(true);
    expect(large.savePeakBytes).toBeLessThan(usableHeapBytes('simd'));
    // An index past the limit does not fit, however it saves.
    expect(estimateMemory({ dimensions: 1024, count: 1_000_000 }).fits).toBe(false);
    // hnswlib-wasm serializes the whole snapshot beside the index.
    const wasmSmall = estimateMemory({ dimensions: 384, count: 100_000, engine: 'hnswlib-wasm' });
    expect(wasmSmall.savePeakBytes).toBe(Math.ceil(wasmSmall.indexBytes + wasmSmall.snapshotBytes));
    const wasm = estimateMemory({ dimensions: 384, count: 1_000_000, engine: 'hnswlib-wasm' });
    expect(wasm.fits).toBe(false);
    expect(wasm.heapLimitBytes).toBe(HEAP_LIMIT_BYTES['hnswlib-wasm']);
    expect(estimateMemory({ dimensions: 384, count: 500_000, engine: 'hnswlib-wasm' }).fits).toBe(
      true,
    );
  });

  it('a capacity above the count costs its slots', () => {
    const exact = estimateMemory({ dimensions: 384, count: 100_000 });
    const grown = estimateMemory({ dimensions: 384, count: 100_000, capacity: 150_000 });
    expect(grown.wasmHeapBytes).toBeGreaterThan(exact.wasmHeapBytes * 1.4);
  });

  it.each([
    [{ dimensions: 0, count: 10 }],
    [{ dimensions: 10, count: -1 }],
    [{ dimensions: 10, count: 1.5 }],
    [{ dimensions: 10, count: 10, workers: 0 }],
    [{ dimensions: 10, count: 10, capacity: 5 }],
    [{ dimensions: 10, count: 10, engine: 'gpu' }],
    [{ dimensions: 10, count: 10, quantisation: 'int8' }],
    [{ dimensions: 10, count: 10, quantization: 'int4' }],
    [null],
  ])('refuses %j with INVALID_OPTIONS', (plan) => {
    expect(() => estimateMemory(plan as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('int8 keeps d + 8 bytes a vector instead of 4·d: 1M × 384 in under 1 GiB, at most 0.45× float32', () => {
    const float32 = estimateMemory({ dimensions: 384, count: 1_000_000 });
    const int8 = estimateMemory({ dimensions: 384, count: 1_000_000, quantization: 'int8' });
    expect(float32.bytesPerVector - int8.bytesPerVector).toBe(3 * 384 - 8);
    expect(int8.bytesPerVector / float32.bytesPerVector).toBeLessThanOrEqual(0.45);
    expect(int8.indexBytes).toBeLessThan(2 ** 30);
    expect(int8.snapshotBytes).toBeLessThan(float32.snapshotBytes * 0.45);
    expect(int8.fits).toBe(true);
    expect(
      indexHeapBytes({ ...params, quantization: 'int8' }, 1000, 1000) -
        indexHeapBytes(params, 1000, 1000),
    ).toBe(-1000 * (3 * 384 - 8));
  });

  it('int8 on hnswlib-wasm is UNSUPPORTED_ENGINE', () => {
    expect(() =>
      estimateMemory({ dimensions: 8, count: 1, quantization: 'int8', engine: 'hnswlib-wasm' }),
    ).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_ENGINE' }));
  });
});
