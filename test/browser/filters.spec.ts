import { expect, test, uniqueName } from './fixtures';

test('filters run inside the graph search and agree with a brute-force oracle', async ({
  harness,
}) => {
  const name = uniqueName('filters');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords, exactSearch, recallAt } = window.harness;
    const words = await fetchWords();
    const ids = words.base.ids.slice(0, 6000);
    const vectors = words.base.vectors.slice(0, 6000);
    const meta = ids.map((w, i) => ({
      first: w[0]!,
      length: w.length,
      rank: i,
      tags: [w.length % 2 === 0 ? 'even' : 'odd', ...(w.includes('q') ? ['q'] : [])],
    }));
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    for (let i = 0; i < ids.length; i += 1000) {
      await index.upsert(
        ids
          .slice(i, i + 1000)
          .map((id, j) => ({ id, vector: vectors[i + j]!, metadata: meta[i + j]! })),
      );
    }
    type M = (typeof meta)[number];
    // Each filter beside the same test written by hand, as the oracle.
    const cases: [unknown, (m: M) => boolean][] = [
      [{ first: 's' }, (m) => m.first === 's'],
      [{ length: { $gte: 9 } }, (m) => m.length >= 9],
      [{ rank: { $gt: 100, $lte: 400 } }, (m) => m.rank > 100 && m.rank <= 400],
      [{ first: { $in: ['x', 'z', 'j'] } }, (m) => ['x', 'z', 'j'].includes(m.first)],
      [
        { first: { $nin: ['s', 'c', 'p'] }, tags: 'even' },
        (m) => !['s', 'c', 'p'].includes(m.first) && m.tags.includes('even'),
      ],
      [{ $or: [{ tags: 'q' }, { length: 2 }] }, (m) => m.tags.includes('q') || m.length === 2],
      [
        { $and: [{ first: { $ne: 'a' } }, { rank: { $lt: 50 } }] },
        (m) => m.first !== 'a' && m.rank < 50,
      ],
      // Fewer matches than k: all of them, exactly.
      [{ rank: { $in: [5, 77, 4000] } }, (m) => [5, 77, 4000].includes(m.rank)],
      // Very selective: 0.2 % of the items.
      [{ rank: { $gte: 5990 } }, (m) => m.rank >= 5990],
    ];
    const out = [];
    for (const [filter, oracle] of cases) {
      let recall = 0;
      // The hits the oracle rejects, with what they hold, and each query's number of hits.
      const rejected: { query: number; id: string; metadata: unknown }[] = [];
      const counts: number[] = [];
      const matching = meta.filter(oracle).length;
      for (const [query, q] of words.queries.vectors.slice(0, 20).entries()) {
        const hits = await index.search(q, { k: 10, filter: filter as never });
        const truth = exactSearch('cosine', vectors, ids, q, 10, (i) => oracle(meta[i]!));
        recall += recallAt(hits, truth);
        for (const h of hits)
          if (!oracle(h.metadata as M)) rejected.push({ query, id: h.id, metadata: h.metadata });
        counts.push(hits.length);
      }
      out.push({
        filter: JSON.stringify(filter),
        matching,
        recall: recall / 20,
        rejected,
        counts,
      });
    }
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return out;
  }, name);
  for (const c of r) {
    expect(c.rejected, c.filter).toEqual([]);
    for (const [query, count] of c.counts.entries())
      expect(count, `${c.filter}: ${c.matching} match, query ${query}`).toBe(
        Math.min(10, c.matching),
      );
    expect(c.recall, c.filter).toBeGreaterThanOrEqual(c.matching <= 10 ? 1 : 0.9);
  }
});
