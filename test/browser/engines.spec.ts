import { expect, openHarness, test, uniqueName } from './fixtures';

test('auto picks the SIMD engine where WebAssembly SIMD exists', async ({ page }) => {
  await openHarness(page, undefined);
  const r = await page.evaluate(async () => {
    const { VectorIndex } = window.harness.vicinity;
    const index = await VectorIndex.open('auto-engine', { dimensions: 2, engine: 'auto' });
    const { engine } = await index.stats();
    await index.close();
    await VectorIndex.delete('auto-engine');
    return engine;
  });
  expect(r).toBe('simd');
});

for (const [from, to] of [
  ['simd', 'hnswlib-wasm'],
  ['hnswlib-wasm', 'simd'],
] as const) {
  for (const metric of ['cosine', 'l2', 'ip'] as const) {
    test(`an index saved by ${from} opens in ${to} with the same answers (${metric})`, async ({
      page,
    }) => {
      const name = uniqueName(`cross-${from}-${metric}`);
      await openHarness(page, from);
      const saved = await page.evaluate(
        async ({ name, from, metric }) => {
          const { vicinity, fetchWords } = window.harness;
          const words = await fetchWords();
          const index = await vicinity.VectorIndex.open(name, {
            dimensions: 100,
            metric,
            engine: from,
          });
          const ids = words.base.ids.slice(0, 3000);
          await index.upsert(
            ids.map((id, i) => ({ id, vector: words.base.vectors[i]!, metadata: { i } })),
          );
          await index.remove(ids.slice(0, 100)); // deleted slots travel too
          await index.save();
          const hits = await index.searchBatch(words.queries.vectors.slice(0, 30), {
            k: 10,
            efSearch: 256,
          });
          await index.close();
          return hits.map((h) => h.map((x) => x.id));
        },
        { name, from, metric },
      );
      await openHarness(page, to);
      const reopened = await page.evaluate(
        async ({ name, to }) => {
          const { vicinity, fetchWords } = window.harness;
          const words = await fetchWords();
          const index = await vicinity.VectorIndex.open(name, { engine: to });
          const hits = await index.searchBatch(words.queries.vectors.slice(0, 30), {
            k: 10,
            efSearch: 256,
          });
          // It keeps working: a write and a save in the other engine.
          await index.upsert([{ id: 'fresh-id', vector: words.queries.vectors[0]! }]);
          const top = (await index.search(words.queries.vectors[0]!, { k: 1 }))[0]!.id;
          await index.save();
          const stats = await index.stats();
          await index.close();
          await vicinity.VectorIndex.delete(name);
          return {
            hits: hits.map((h) => h.map((x) => x.id)),
            engine: stats.engine,
            size: stats.size,
            top,
          };
        },
        { name, to },
      );
      expect(reopened.engine).toBe(to);
      expect(reopened.size).toBe(2901);
      expect(reopened.top).toBe('fresh-id');
      // Same graph, same distances: the same neighbours (ties may swap places).
      const overlap =
        saved.reduce(
          (sum, ids, q) => sum + ids.filter((id) => reopened.hits[q]!.includes(id)).length,
          0,
        ) /
        (saved.length * 10);
      expect(overlap).toBeGreaterThanOrEqual(0.99);
    });
  }
}

test('hnswlib-wasm sweeps scratch files abandoned in IDBFS, and only those', async ({ page }) => {
  await openHarness(page, 'hnswlib-wasm');
  const r = await page.evaluate(async () => {
    const open = () =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('/hnswlib-index', 21);
        req.onupgradeneeded = () =>
          req.result.createObjectStore('FILE_DATA').createIndex('timestamp', 'timestamp');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const put = async (key: string, ageMs: number) => {
      const db = await open();
      const tx = db.transaction('FILE_DATA', 'readwrite');
      tx.objectStore('FILE_DATA').put(
        { timestamp: new Date(Date.now() - ageMs), mode: 0o100666, contents: new Uint8Array(16) },
        key,
      );
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
    };
    const keys = async () => {
      const db = await open();
      const req = db.transaction('FILE_DATA').objectStore('FILE_DATA').getAllKeys();
      const result = await new Promise<IDBValidKey[]>(
        (resolve) => (req.onsuccess = () => resolve(req.result)),
      );
      db.close();
      return result.map(String).sort();
    };
    await put('/hnswlib-index/vicinity-abandoned.bin', 2 * 3_600_000);
    await put('/hnswlib-index/vicinity-in-use.bin', 1_000);
    await put('/hnswlib-index/someone-else.bin', 2 * 3_600_000);
    const { VectorIndex } = window.harness.vicinity;
    const index = await VectorIndex.open('sweep', { dimensions: 2, engine: 'hnswlib-wasm' });
    await index.close();
    await VectorIndex.delete('sweep');
    return keys();
  });
  expect(r).toEqual(['/hnswlib-index/someone-else.bin', '/hnswlib-index/vicinity-in-use.bin']);
});
