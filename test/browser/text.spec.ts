import { expect, test, uniqueName } from './fixtures';

/*
 * Text and hybrid search through the worker: BM25 against a calculation
 * written out here, fusion arithmetic on real answers, filters in each
 * mode, upsert and remove of text, and text saved with the vectors.
 */

test('BM25 scores agree with an independent calculation; upsert replaces and remove deletes text', async ({
  harness,
}) => {
  const name = uniqueName('text-bm25');
  const r = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    // Terms as the 'simple' tokenizer makes them: lower-case words, nothing dropped.
    const docs: Record<string, string> = {
      a: 'the cat sat on the mat',
      b: 'the dog chased the cat around the cat tree',
      c: 'dogs and cats living together',
      d: 'a quiet mat by the door',
      e: 'cat',
    };
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 3,
      text: { tokenizer: 'simple' },
      cache: false,
    });
    const ids = Object.keys(docs);
    await index.upsert(ids.map((id, i) => ({ id, vector: [1, i + 1, 0], text: docs[id] })));
    /*
     * MiniSearch's BM25+ (k1 1.2, b 0.7, d 0.5), one field:
     *   idf(t)     = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))
     *   score(t,D) = idf(t) · (d + tf·(k1+1) / (tf + k1·(1 - b + b·|D|/avgdl)))
     *   score(Q,D) = (Σ_t score(t,D)) · (number of distinct query terms D matched)
     * where |D| is the number of distinct terms of D (MiniSearch's field length)
     * and avgdl its mean over the items that have text.
     */
    const tokens = (s: string) => s.toLowerCase().split(/\W+/).filter(Boolean);
    const corpus = ids.map((id) => tokens(docs[id]!));
    const length = (d: string[]) => new Set(d).size;
    const expected = (query: string) => {
      const avgdl = corpus.reduce((n, d) => n + length(d), 0) / corpus.length;
      const terms = [...new Set(tokens(query))];
      return ids
        .map((id, i) => {
          const doc = corpus[i]!;
          let sum = 0;
          let matched = 0;
          for (const t of terms) {
            const tf = doc.filter((w) => w === t).length;
            if (tf === 0) continue;
            matched++;
            const n = corpus.filter((d) => d.includes(t)).length;
            const idf = Math.log(1 + (corpus.length - n + 0.5) / (n + 0.5));
            sum += idf * (0.5 + (tf * 2.2) / (tf + 1.2 * (0.3 + (0.7 * length(doc)) / avgdl)));
          }
          return { id, score: sum * matched };
        })
        .filter((h) => h.score > 0)
        .sort((x, y) => y.score - x.score);
    };
    const compare = async (query: string) => {
      const hits = await index.search(query, { mode: 'text', k: 10 });
      const want = expected(query);
      return {
        query,
        ids: hits.map((h) => h.id),
        want: want.map((h) => h.id),
        maxError: Math.max(0, ...hits.map((h, i) => Math.abs(h.score - want[i]!.score))),
        ranks: hits.map((h) => h.ranks),
      };
    };
    const before = await Promise.all(['cat', 'cat mat', 'the door', 'dogs tree'].map(compare));
    // Upsert replaces text (and an item sent without text has none); remove deletes it.
    docs.e = 'a door';
    await index.upsert([{ id: 'e', vector: [1, 5, 0], text: docs.e }]);
    await index.upsert([{ id: 'c', vector: [1, 3, 0] }]);
    corpus[2] = [];
    corpus[4] = tokens(docs.e);
    const stillIndexed = (await index.search('cats', { mode: 'text' })).map((h) => h.id);
    await index.remove(['b']);
    ids.splice(1, 1);
    corpus.splice(1, 1);
    const live = corpus.filter((d) => d.length > 0);
    // Only items with text count in N and avgdl.
    const ids2 = ids.filter((_, i) => corpus[i]!.length > 0);
    corpus.length = 0;
    corpus.push(...live);
    ids.length = 0;
    ids.push(...ids2);
    const after = await Promise.all(['cat', 'door', 'the mat'].map(compare));
    await index.close();
    return { before, after, stillIndexed };
  }, name);
  for (const c of [...r.before, ...r.after]) {
    expect(c.ids, `query "${c.query}"`).toEqual(c.want);
    expect(c.maxError, JSON.stringify(r)).toBeLessThan(1e-9);
    // Ranked by text alone: text ranks 1, 2, 3…, no vector rank.
    expect(c.ranks, `query "${c.query}"`).toMatchObject(
      c.ids.map((_, i) => ({ text: i + 1, vector: null })),
    );
  }
  expect(r.before[0]!.ids).toHaveLength(3);
  expect(r.stillIndexed).toEqual([]);
});

test('hybrid fuses by RRF (and weighted), filters apply in every mode, and text is saved with the vectors', async ({
  harness,
}) => {
  const name = uniqueName('text-hybrid');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const n = 2000;
    const ids = words.base.ids.slice(0, n);
    const items = ids.map((id, i) => ({
      id,
      vector: words.base.vectors[i]!,
      text: `${id} ${i % 3 === 0 ? 'alpha' : 'beta'} ${i % 10 === 0 ? 'gamma' : ''}`,
      metadata: { even: i % 2 === 0, title: `title${i % 7}` },
    }));
    const open = () =>
      vicinity.VectorIndex.open(name, {
        dimensions: 100,
        text: { fields: ['title'] },
        embed: (texts: string[]) =>
          texts.map((t) => words.base.vectors[Math.max(0, ids.indexOf(t.split(' ')[0]!))]!),
      });
    let index = await open();
    for (let i = 0; i < n; i += 500) await index.upsert(items.slice(i, i + 500));
    const q = words.queries.vectors[0]!;
    const k = 10;
    const vectorHits = await index.search(q, { k: 40, mode: 'vector' });
    const textHits = await index.search('gamma', { mode: 'text', k: 40 });
    const hybrid = await index.search({ vector: q, text: 'gamma' }, { mode: 'hybrid', k });
    const weighted = await index.search(
      { vector: q, text: 'gamma' },
      { mode: 'hybrid', k, fusion: { method: 'weighted', vector: 0.3, text: 0.7 } },
    );
    const fused = (hits: typeof hybrid) =>
      hits.map((h) => ({ id: h.id, score: h.score, ranks: h.ranks! }));
    // Filters in each mode: every hit matches, and k come back when k match.
    const filter = { even: true };
    const filtered = {
      vector: await index.search(q, { k, filter }),
      text: await index.search('gamma', { mode: 'text', k, filter }),
      hybrid: await index.search({ vector: q, text: 'gamma' }, { mode: 'hybrid', k, filter }),
      // Only 3 items match: hybrid still returns all of them.
      rare: await index.search(
        { vector: q, text: 'beta' },
        { mode: 'hybrid', k, filter: { title: 'title3', even: true } },
      ),
    };
    const filteredHits = Object.entries(filtered).map(([mode, hits]) => ({
      mode,
      hits: hits.map((h) => ({ id: h.id, at: ids.indexOf(h.id), title: h.metadata?.title })),
    }));
    const rareTruth = items.filter(
      (it) => it.metadata.title === 'title3' && it.metadata.even,
    ).length;
    // A metadata field is searched as text too.
    const byField = await index.search('title4', { mode: 'text', k: 1000 });
    // A string query in hybrid is embedded and searched as text; batch gives the same answers.
    const one = await index.search(`${ids[30]} gamma`, { mode: 'hybrid', k });
    const batch = await index.searchBatch([`${ids[30]} gamma`, { vector: q, text: 'gamma' }], {
      mode: 'hybrid',
      k,
    });
    const textSnapshot = (await index.search('alpha gamma', { mode: 'text', k: 50 })).map(
      (h) => h.id,
    );
    const ops = Object.keys(index.monitor.snapshot().operations);
    await index.save();
    await index.close();
    index = await open();
    const reopened = (await index.search('alpha gamma', { mode: 'text', k: 50 })).map((h) => h.id);
    const errors = {
      mode: await window.harness.codeOf(() => index.search('x', { mode: 'fuzzy' as never })),
      textNotString: await window.harness.codeOf(() => index.search(q, { mode: 'text' })),
      hybridShape: await window.harness.codeOf(() =>
        index.search({ vector: q, words: 'x' } as never, { mode: 'hybrid' }),
      ),
      fusion: await window.harness.codeOf(() =>
        index.search('x', { mode: 'hybrid', fusion: 'max' as never }),
      ),
      vectorFusion: await window.harness.codeOf(() => index.search(q, { fusion: 'rrf' })),
      itemText: await window.harness.codeOf(() =>
        index.upsert([{ id: 'z', vector: q, text: 5 as never }]),
      ),
    };
    const sizeAfterBad = index.size;
    await index.close();
    return {
      vectorHits: vectorHits.map((h) => ({ id: h.id, score: h.score })),
      textHits: textHits.map((h) => ({ id: h.id, score: h.score })),
      hybrid: fused(hybrid),
      weighted: fused(weighted),
      filtered: filteredHits,
      rareTruth,
      byField: byField.length,
      fieldTruth: items.filter((it) => it.metadata.title === 'title4').length,
      oneTop: one[0]!.id,
      one: one.map((h) => h.id),
      batch: batch.map((hits) => hits.map((h) => h.id)),
      textSnapshot,
      reopened,
      ops,
      errors,
      sizeAfterBad,
      n,
      id30: ids[30],
    };
  }, name);
  // RRF by hand from the two lists, each side's candidates max(k, 40); each
  // hit's ranks point at it in those lists.
  const rrf = new Map<string, number>();
  r.vectorHits.forEach((h, i) => rrf.set(h.id, (rrf.get(h.id) ?? 0) + 1 / (60 + i + 1)));
  r.textHits.forEach((h, i) => rrf.set(h.id, (rrf.get(h.id) ?? 0) + 1 / (60 + i + 1)));
  for (const h of r.hybrid) {
    const want = rrf.get(h.id) ?? NaN;
    expect(Math.abs(h.score - want), `${h.id}: score ${h.score}, RRF ${want}`).toBeLessThan(1e-12);
    if (h.ranks.vector !== null)
      expect(r.vectorHits[h.ranks.vector - 1]?.id, `${h.id}: vector rank`).toBe(h.id);
    if (h.ranks.text !== null)
      expect(r.textHits[h.ranks.text - 1]?.id, `${h.id}: text rank`).toBe(h.id);
  }
  const scores = r.hybrid.map((h) => h.score);
  for (let i = 1; i < scores.length; i++)
    expect(scores[i], `rank ${i + 1}: ${scores.join(', ')}`).toBeLessThanOrEqual(scores[i - 1]!);
  // Weighted: each side's score over that side's best, times its weight.
  const vMax = r.vectorHits[0]!.score;
  const tMax = r.textHits[0]!.score;
  for (const h of r.weighted) {
    const v = h.ranks.vector === null ? 0 : (0.3 * r.vectorHits[h.ranks.vector - 1]!.score) / vMax;
    const t = h.ranks.text === null ? 0 : (0.7 * r.textHits[h.ranks.text - 1]!.score) / tMax;
    expect(
      Math.abs(h.score - (v + t)),
      `${h.id}: score ${h.score}, weighted ${v} + ${t}`,
    ).toBeLessThan(1e-9);
  }
  expect(r.hybrid).toHaveLength(10);
  for (const f of r.filtered) {
    for (const h of f.hits) {
      if (f.mode === 'rare') expect(h.title, `${f.mode}: ${h.id}`).toBe('title3');
      else expect(h.at % 2, `${f.mode}: ${h.id} is item ${h.at}`).toBe(0);
    }
    expect(f.hits, f.mode).toHaveLength(f.mode === 'rare' ? Math.min(10, r.rareTruth) : 10);
  }
  expect(r.byField).toBe(r.fieldTruth);
  expect(r.oneTop).toBe(r.id30);
  expect(r.batch[0]).toEqual(r.one);
  expect(r.batch[1]).toEqual(r.hybrid.map((h) => h.id));
  expect(r.reopened).toEqual(r.textSnapshot);
  expect(r.reopened).toHaveLength(50);
  expect(r.ops).toEqual(expect.arrayContaining(['textSearch', 'hybridSearch']));
  expect(r.errors).toEqual({
    mode: 'INVALID_OPTIONS',
    textNotString: 'INVALID_TEXT',
    hybridShape: 'INVALID_TEXT',
    fusion: 'INVALID_OPTIONS',
    vectorFusion: 'INVALID_OPTIONS',
    itemText: 'INVALID_TEXT',
  });
  expect(r.sizeAfterBad).toBe(r.n);
});
