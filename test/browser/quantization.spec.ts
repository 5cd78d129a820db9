import { readFileSync } from 'node:fs';
import { expect, test, uniqueName } from './fixtures';
import { decodeWords } from '../support/words';
import { buildNative, nativeNeighbours, readNative } from '../support/nativeIndex';

/*
 * int8 quantization: distances on int8 codes in the SIMD engine's own space
 * (native/int8_space.h). Recall is measured against exact brute force over
 * the float32 vectors, beside a float32 index of the same words in the same
 * page, so that a kernel that ranks wrongly, or a wrong scale or norm, fails.
 */

type Vicinity = typeof import('../../src/index.js');

const WORDS = 2_000;
const QUERIES = 100;

for (const metric of ['cosine', 'l2', 'ip'] as const) {
  test(`${metric}: int8 recall@10 against exact search stays within 0.03 of float32, with distances near exact`, async ({
    harness,
    engine,
  }) => {
    test.skip(engine !== 'simd', 'int8 runs on the SIMD engine only');
    const name = uniqueName(`int8-${metric}`);
    const r = await harness.evaluate(
      async ({ name, metric, words: count, queries: nq }) => {
        const { vicinity, fetchWords, exactSearch, recallAt } = window.harness;
        const words = await fetchWords();
        const ids = words.base.ids.slice(0, count);
        // For ip, unit vectors keep 1 - dot meaningful as a distance (as recall.spec.ts).
        const vectors = words.base.vectors.slice(0, count).map((v) => {
          if (metric !== 'ip') return v;
          const n = Math.hypot(...v);
          return v.map((x) => x / n);
        });
        const items = ids.map((id, i) => ({ id, vector: vectors[i]! }));
        const open = (quantization: 'none' | 'int8') =>
          vicinity.VectorIndex.open(`${name}-${quantization}`, {
            dimensions: 100,
            metric,
            quantization,
            cache: false,
          });
        const int8 = await open('int8');
        const float32 = await open('none');
        await int8.upsert(items);
        await float32.upsert(items);
        const queries = words.queries.vectors.slice(0, nq);
        const [int8Hits, float32Hits] = await Promise.all([
          int8.searchBatch(queries, { k: 10 }),
          float32.searchBatch(queries, { k: 10 }),
        ]);
        let int8Recall = 0;
        let float32Recall = 0;
        let worstDistanceError = 0;
        queries.forEach((q, i) => {
          const truth = exactSearch(metric, vectors, ids, q, 10);
          int8Recall += recallAt(int8Hits[i]!, truth);
          float32Recall += recallAt(float32Hits[i]!, truth);
          const exact = new Map(truth.map((t) => [t.id, t.distance]));
          for (const h of int8Hits[i]!) {
            const want = exact.get(h.id);
            if (want !== undefined)
              worstDistanceError = Math.max(
                worstDistanceError,
                Math.abs(want - h.distance) / Math.max(1, Math.abs(want)),
              );
          }
        });
        const stats = await int8.stats();
        await int8.close();
        await float32.close();
        await vicinity.VectorIndex.delete(`${name}-int8`);
        await vicinity.VectorIndex.delete(`${name}-none`);
        return {
          int8Recall: int8Recall / nq,
          float32Recall: float32Recall / nq,
          worstDistanceError,
          quantization: stats.quantization,
          engine: stats.engine,
        };
      },
      { name, metric, words: WORDS, queries: QUERIES },
    );
    expect(r.quantization).toBe('int8');
    expect(r.engine).toBe('simd');
    expect(r.float32Recall).toBeGreaterThanOrEqual(0.9);
    expect(r.int8Recall).toBeGreaterThanOrEqual(0.9);
    expect(r.int8Recall).toBeGreaterThanOrEqual(r.float32Recall - 0.03);
    expect(r.worstDistanceError).toBeLessThan(0.02);
  });
}

test('an int8 index saves and reopens with the same answers, in read-only copies too; it reopens as int8 only', async ({
  harness,
  engine,
}) => {
  test.skip(engine !== 'simd', 'int8 runs on the SIMD engine only');
  const name = uniqueName('int8-save');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords, codeOf } = window.harness;
    const words = await fetchWords();
    const items = words.base.ids
      .slice(0, 2_000)
      .map((id, i) => ({ id, vector: words.base.vectors[i]!, metadata: { i } }));
    const queries = words.queries.vectors.slice(0, 40);
    const answers = (hits: { id: string; distance: number }[][]) =>
      hits.map((h) => h.map((x) => `${x.id}:${x.distance}`).join());
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 100,
      quantization: 'int8',
      cache: false,
    });
    await index.upsert(items);
    await index.remove(items.slice(0, 20).map((item) => item.id));
    const before = answers(await index.searchBatch(queries, { k: 10 }));
    await index.save();
    await index.close();
    const mismatch = await codeOf(() =>
      vicinity.VectorIndex.open(name, { quantization: 'none', cache: false }),
    );
    const reopened = await vicinity.VectorIndex.open(name, { cache: false, workers: 2 });
    const stats = await reopened.stats();
    const after = answers(await reopened.searchBatch(queries, { k: 10 }));
    // Single searches spread over the primary and the read-only copy.
    const spread = await Promise.all(queries.map((q) => reopened.search(q, { k: 10 })));
    await reopened.close();
    await vicinity.VectorIndex.delete(name);
    return {
      before,
      after,
      spread: answers(spread),
      mismatch,
      quantization: stats.quantization,
      workers: stats.workers,
      size: stats.size,
    };
  }, name);
  expect(r.mismatch).toBe('INCOMPATIBLE_OPTIONS');
  expect(r.quantization).toBe('int8');
  expect(r.size).toBe(1_980);
  expect(r.workers.total).toBe(2);
  expect(r.after).toEqual(r.before);
  expect(r.spread).toEqual(r.before);
});

test('int8 on hnswlib-wasm is UNSUPPORTED_ENGINE, and a bad quantization INVALID_OPTIONS; neither creates anything', async ({
  harness,
}) => {
  const name = uniqueName('int8-refused');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, codeOf } = window.harness;
    const open = (options: Record<string, unknown>) =>
      codeOf(() => vicinity.VectorIndex.open(name, { dimensions: 8, cache: false, ...options }));
    return {
      hnswlibWasm: await open({ engine: 'hnswlib-wasm', quantization: 'int8' }),
      bad: await open({ quantization: 'int4' }),
      wrongType: await open({ quantization: 8 }),
      estimate: await codeOf(async () =>
        vicinity.VectorIndex.estimate({
          dimensions: 8,
          count: 10,
          quantization: 'int4' as 'int8',
        }),
      ),
      stored: (await vicinity.VectorIndex.list()).includes(name),
      // Nothing was created: opening without dimensions finds no index.
      after: await codeOf(() => vicinity.VectorIndex.open(name, { cache: false })),
    };
  }, name);
  expect(r).toEqual({
    hnswlibWasm: 'UNSUPPORTED_ENGINE',
    bad: 'INVALID_OPTIONS',
    wrongType: 'INVALID_OPTIONS',
    estimate: 'INVALID_OPTIONS',
    stored: false,
    after: 'NOT_FOUND',
  });
});

const words = decodeWords(
  JSON.parse(readFileSync('test/fixtures/words.json', 'utf8')),
  new Int8Array(readFileSync('test/fixtures/words.bin')),
);

test('a native float32 index imports quantised to int8 with hnswlib-node’s neighbours, and exports a file hnswlib-node reads', async ({
  harness,
  engine,
}) => {
  test.skip(engine !== 'simd', 'int8 runs on the SIMD engine only');
  const count = 2_000;
  const ids = words.base.ids.slice(0, count);
  const queries = words.queries.vectors.slice(0, 100);
  const native = buildNative({ metric: 'cosine', vectors: words.base.vectors.slice(0, count) });
  const want = nativeNeighbours(native.index, queries, 10, 64).map((labels) =>
    labels.map((label) => ids[label]),
  );
  const name = uniqueName('int8-import');
  const r = await harness.evaluate(
    async ({ name, ids, bytes, queries }) => {
      const path = '/src/index.ts';
      const { VectorIndex } = (await import(/* @vite-ignore */ path)) as Vicinity;
      const raw = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      const index = await VectorIndex.import(name, {
        hnswlib: raw,
        ids,
        metric: 'cosine',
        dimensions: 100,
        quantization: 'int8',
        engine: 'simd',
        cache: false,
      });
      const vectors = queries.map((q) => Float32Array.from(q));
      const hits = (await index.searchBatch(vectors, { k: 10, efSearch: 64 })).map((h) =>
        h.map((x) => x.id),
      );
      const stats = await index.stats();
      const exported = await index.export();
      await index.close();
      await VectorIndex.delete(name);
      let binary = '';
      for (let at = 0; at < exported.hnswlib.byteLength; at += 0x8000) {
        binary += String.fromCharCode(...exported.hnswlib.subarray(at, at + 0x8000));
      }
      return { hits, stats, exported: btoa(binary), exportedIds: exported.ids };
    },
    {
      name,
      ids,
      bytes: Buffer.from(native.bytes).toString('base64'),
      queries: queries.map((q) => Array.from(q)),
    },
  );
  const overlap = (a: (string | null | undefined)[][], b: (string | null | undefined)[][]) =>
    a.reduce((sum, row, i) => sum + row.filter((id) => b[i]!.includes(id)).length, 0) /
    (10 * a.length);
  expect(r.stats).toMatchObject({ quantization: 'int8', size: count, engine: 'simd' });
  expect(overlap(r.hits, want)).toBeGreaterThanOrEqual(0.95);
  // The export holds the dequantised vectors in native float32: hnswlib-node reads it.
  const bytes = new Uint8Array(Buffer.from(r.exported, 'base64'));
  expect(bytes.byteLength).toBe(native.bytes.byteLength);
  const reread = readNative(bytes, 'cosine', 100);
  expect(reread.getCurrentCount()).toBe(count);
  const rereadIds = nativeNeighbours(reread, queries, 10, 64).map((labels) =>
    labels.map((label) => r.exportedIds[label]),
  );
  expect(overlap(rereadIds, want)).toBeGreaterThanOrEqual(0.95);
});
