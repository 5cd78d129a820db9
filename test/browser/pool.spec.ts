import { expect, test, uniqueName } from './fixtures';

/** The same ids, in the same order, for every query. */
function expectSameAnswers(actual: string[][], expected: string[][], what: string) {
  expect(actual, `${what}: one answer per query`).toHaveLength(expected.length);
  for (const [i, ids] of expected.entries()) expect(actual[i], `${what}, query ${i}`).toEqual(ids);
}

test('extra workers answer like one, and never from before the last write', async ({ harness }) => {
  const name = uniqueName('pool');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const ids = words.base.ids.slice(0, 4000);
    const items = ids.map((id, i) => ({
      id,
      vector: words.base.vectors[i]!,
      metadata: { even: i % 2 === 0 },
    }));
    const single = await vicinity.VectorIndex.open(`${name}-one`, { dimensions: 100 });
    const pooled = await vicinity.VectorIndex.open(name, { dimensions: 100, workers: 3 });
    for (let i = 0; i < items.length; i += 1000) {
      await single.upsert(items.slice(i, i + 1000));
      await pooled.upsert(items.slice(i, i + 1000));
    }
    await pooled.replicasReady();
    const ready = (await pooled.stats()).workers;
    const queries = words.queries.vectors;
    const idsOf = (hits: { id: string }[][]) => hits.map((h) => h.map((x) => x.id));
    const options = { k: 10, filter: { even: true } };
    const batch = {
      pooled: idsOf(await pooled.searchBatch(queries, options)),
      single: idsOf(await single.searchBatch(queries, options)),
    };
    const servedByBatch = (await pooled.stats()).workers.served;
    const concurrent = await Promise.all(
      queries.slice(0, 60).map((q) => pooled.search(q, options)),
    );
    const concurrentIds = {
      pooled: idsOf(concurrent),
      single: idsOf(await single.searchBatch(queries.slice(0, 60), options)),
    };
    const servedAfterConcurrent = (await pooled.stats()).workers.served;
    const cacheHits = pooled.cache!.stats().hits;

    // A write, then at once a search, not even waiting for the write: it must see it.
    const probe = words.queries.vectors[5]!;
    const write = pooled.upsert([{ id: 'just-written', vector: probe, metadata: { even: true } }]);
    const seenAtOnce = await Promise.all([
      pooled.search(probe, { k: 1 }),
      pooled.searchBatch([probe, probe, probe, probe, probe, probe, probe, probe], { k: 1 }),
    ]);
    await write;
    const staleAfterWrite = (await pooled.stats()).workers;
    await pooled.remove(['just-written']);
    const goneAtOnce = (await pooled.searchBatch(Array(12).fill(probe), { k: 1 })).map(
      (h) => h[0]!.id,
    );
    await pooled.replicasReady();
    const goneLater = (
      await Promise.all(Array.from({ length: 12 }, () => pooled.search(probe, { k: 1 })))
    ).map((h) => h[0]!.id);
    const settled = (await pooled.stats()).workers;
    await single.close();
    await pooled.close();
    await vicinity.VectorIndex.delete(name);
    await vicinity.VectorIndex.delete(`${name}-one`);
    return {
      ready,
      queries: queries.length,
      servedByBatch,
      servedAfterConcurrent,
      cacheHits,
      batch,
      concurrent: concurrentIds,
      staleAfterWrite,
      seenAtOnce: { search: seenAtOnce[0][0]!.id, batch: seenAtOnce[1].map((h) => h[0]!.id) },
      goneAtOnce,
      goneLater,
      settled,
    };
  }, name);
  expect(r.ready).toEqual({ total: 3, current: 3, served: [0, 0, 0] });
  // The batch was split: every worker answered a part, and together all of it.
  expect(r.servedByBatch).toHaveLength(3);
  for (const [i, n] of r.servedByBatch.entries())
    expect(n, `worker ${i}, of ${r.servedByBatch.join(' + ')}`).toBeGreaterThan(0);
  expect(r.servedByBatch.reduce((a, b) => a + b)).toBe(r.queries);
  // 60 searches at once: what the cache did not answer went to the workers.
  const sum = (served: readonly number[]) => served.reduce((a, b) => a + b);
  expect(sum(r.servedAfterConcurrent) - sum(r.servedByBatch)).toBe(60 - r.cacheHits);
  expectSameAnswers(r.batch.pooled, r.batch.single, 'searchBatch');
  expectSameAnswers(r.concurrent.pooled, r.concurrent.single, 'concurrent search');
  expect(r.staleAfterWrite).toMatchObject({ total: 3, current: 1 });
  expect(r.seenAtOnce.search).toBe('just-written');
  for (const [i, id] of r.seenAtOnce.batch.entries())
    expect(id, `searchBatch query ${i}, right after the write`).toBe('just-written');
  expect(r.goneAtOnce).not.toContain('just-written');
  expect(r.goneLater).not.toContain('just-written');
  expect(r.settled).toMatchObject({ total: 3, current: 3 });
});
