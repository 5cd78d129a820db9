import { expect, test, uniqueName } from './fixtures';

test('recall@10 ≥ 0.95 against exact search on 12,000 real word vectors; searchBatch equals search', async ({
  harness,
  engine,
}) => {
  const name = uniqueName('recall');
  const result = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords, exactSearch, recallAt } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: words.dimensions });
    const { ids, vectors } = words.base;
    for (let i = 0; i < ids.length; i += 1000) {
      await index.upsert(ids.slice(i, i + 1000).map((id, j) => ({ id, vector: vectors[i + j]! })));
    }
    const queries = words.queries.vectors;
    let recall = 0;
    const single: string[][] = [];
    for (const q of queries) {
      const hits = await index.search(q, { k: 10 });
      single.push(hits.map((h) => h.id));
      recall += recallAt(hits, exactSearch('cosine', vectors, ids, q, 10));
    }
    const batch = await index.searchBatch(queries, { k: 10 });
    const size = index.size;
    const { engine } = await index.stats();
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return {
      engine,
      recall: recall / queries.length,
      single,
      batch: batch.map((hits) => hits.map((h) => h.id)),
      batchScores: batch.map((hits) => hits.map((h) => h.score)),
      size,
      queries: queries.length,
    };
  }, name);
  expect(result.engine).toBe(engine);
  expect(result.size).toBe(12_000);
  expect(result.queries).toBe(300);
  expect(result.recall).toBeGreaterThanOrEqual(0.95);
  // searchBatch gives, for every query, the ids search gave, in its order.
  for (const [i, ids] of result.batch.entries())
    expect(ids, `query ${i}`).toEqual(result.single[i]);
  // Best first.
  for (const [q, scores] of result.batchScores.entries())
    for (let i = 1; i < scores.length; i++)
      expect(scores[i], `query ${q}, rank ${i + 1}: ${scores.join(', ')}`).toBeLessThanOrEqual(
        scores[i - 1]!,
      );
});

for (const metric of ['cosine', 'l2', 'ip'] as const) {
  test(`${metric}: distances and scores as documented`, async ({ harness }) => {
    const name = uniqueName(metric);
    const result = await harness.evaluate(
      async ({ name, metric }) => {
        const { vicinity, fetchWords, exactSearch, recallAt } = window.harness;
        const words = await fetchWords();
        const ids = words.base.ids.slice(0, 2000);
        // For ip, unit vectors keep 1 - dot meaningful as a distance.
        const vectors = words.base.vectors.slice(0, 2000).map((v) => {
          if (metric !== 'ip') return v;
          const n = Math.hypot(...v);
          return v.map((x) => x / n);
        });
        const index = await vicinity.VectorIndex.open(name, { dimensions: 100, metric });
        await index.upsert(ids.map((id, i) => ({ id, vector: vectors[i]! })));
        let recall = 0;
        let worstDistanceError = 0;
        const scored: { id: string; distance: number; score: number }[] = [];
        for (const q of words.queries.vectors.slice(0, 50)) {
          const hits = await index.search(q, { k: 10, efSearch: 200 });
          const truth = exactSearch(metric, vectors, ids, q, 10);
          recall += recallAt(hits, truth);
          const exact = new Map(truth.map((t) => [t.id, t.distance]));
          for (const h of hits) {
            const want = exact.get(h.id);
            if (want !== undefined)
              worstDistanceError = Math.max(worstDistanceError, Math.abs(want - h.distance));
            scored.push({ id: h.id, distance: h.distance, score: h.score });
          }
        }
        await index.close();
        await vicinity.VectorIndex.delete(name);
        return { recall: recall / 50, worstDistanceError, scored };
      },
      { name, metric },
    );
    expect(result.recall).toBeGreaterThanOrEqual(0.95);
    expect(result.worstDistanceError).toBeLessThan(1e-3);
    // The score is -distance for l2, 1 - distance otherwise.
    for (const h of result.scored) {
      const expected = metric === 'l2' ? -h.distance : 1 - h.distance;
      expect(
        Math.abs(expected - h.score),
        `${h.id}: distance ${h.distance}, score ${h.score}`,
      ).toBeLessThanOrEqual(1e-6);
    }
  });
}

test('upsert replaces an existing id, remove drops it, capacity grows by itself', async ({
  harness,
}) => {
  const name = uniqueName('crud');
  const r = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 2,
      metric: 'l2',
      initialCapacity: 4,
    });
    const grid = Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, vector: [i, 0] }));
    await index.upsert(grid);
    const before = (await index.search([10, 0], { k: 1 }))[0]!.id;
    await index.upsert([{ id: 'p10', vector: [1000, 0], metadata: { moved: true } }]);
    const afterMove = (await index.search([10, 0], { k: 1 }))[0]!.id;
    const moved = (await index.search([1000, 0], { k: 1 }))[0]!;
    const removed = await index.remove(['p11', 'p9', 'nope']);
    const near = (await index.search([10, 0], { k: 2 })).map((h) => h.id);
    // A removed id can come back.
    await index.upsert([{ id: 'p11', vector: [11, 0] }]);
    const back = (await index.search([11, 0], { k: 1 }))[0]!.id;
    const stats = await index.stats();
    const all = await index.search([0, 0], { k: 1000 });
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return {
      before,
      afterMove,
      moved,
      removed,
      near,
      back,
      stats,
      all: all.length,
      size: index.size,
    };
  }, name);
  expect(r.before).toBe('p10');
  expect(r.afterMove).not.toBe('p10');
  expect(r.moved).toMatchObject({ id: 'p10', metadata: { moved: true } });
  expect(r.removed).toBe(2);
  expect(r.near).toEqual(expect.not.arrayContaining(['p11', 'p9']));
  expect(r.back).toBe('p11');
  expect(r.stats.size).toBe(49);
  expect(r.stats.capacity).toBeGreaterThanOrEqual(50);
  expect(r.all).toBe(49);
  expect(r.size).toBe(49);
});
