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
