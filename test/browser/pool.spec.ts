import { expect, test, uniqueName } from './fixtures';

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
    const key = (hits: { id: string }[][]) => hits.map((h) => h.map((x) => x.id).join()).join('|');
    const options = { k: 10, filter: { even: true } };
    const batchSame =
      key(await pooled.searchBatch(queries, options)) ===
      key(await single.searchBatch(queries, options));
    const servedByBatch = (await pooled.stats()).workers.served;
    const concurrent = await Promise.all(
      queries.slice(0, 60).map((q) => pooled.search(q, options)),
    );
    const concurrentSame =
      key(concurrent) === key(await single.searchBatch(queries.slice(0, 60), options));
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
    const goneAtOnce = (await pooled.searchBatch(Array(12).fill(probe), { k: 1 })).every(
      (h) => h[0]!.id !== 'just-written',
    );
    await pooled.replicasReady();
    const goneLater = (
      await Promise.all(Array.from({ length: 12 }, () => pooled.search(probe, { k: 1 })))
    ).every((h) => h[0]!.id !== 'just-written');
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
      batchSame,
      concurrentSame,
      staleAfterWrite,
      seenAtOnce:
        seenAtOnce[0][0]!.id === 'just-written' &&
        seenAtOnce[1].every((h) => h[0]!.id === 'just-written'),
      goneAtOnce,
      goneLater,
      settled,
    };
  }, name);
  expect(r.ready).toEqual({ total: 3, current: 3, served: [0, 0, 0] });
  // The batch was split: every worker answered a part, and together all of it.
  expect(r.servedByBatch).toHaveLength(3);
  expect(r.servedByBatch.every((n) => n > 0)).toBe(true);
  expect(r.servedByBatch.reduce((a, b) => a + b)).toBe(r.queries);
  // 60 searches at once: what the cache did not answer went to the workers.
  const sum = (served: readonly number[]) => served.reduce((a, b) => a + b);
  expect(sum(r.servedAfterConcurrent) - sum(r.servedByBatch)).toBe(60 - r.cacheHits);
  expect(r.batchSame).toBe(true);
  expect(r.concurrentSame).toBe(true);
  expect(r.staleAfterWrite).toMatchObject({ total: 3, current: 1 });
  expect(r.seenAtOnce).toBe(true);
  expect(r.goneAtOnce).toBe(true);
  expect(r.goneLater).toBe(true);
  expect(r.settled).toMatchObject({ total: 3, current: 3 });
});
