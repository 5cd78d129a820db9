import { expect, test, uniqueName } from './fixtures';

/*
 * What the query cache reads back from IndexedDB is checked before it is
 * served: a hand-edited answer, an answer of an older record format, and a
 * text answer of another embedder are never returned as cached.
 */

type Index = import('../../src/index.js').VectorIndex;

declare global {
  interface Window {
    /** Helpers this file puts on the page (see `helpers` below). */
    cacheIntegrity: {
      /** Every record of the index's cache store, keyed. */
      records(name: string): Promise<[string, unknown][]>;
      /** Writes records into the index's cache store, behind the library's back. */
      write(name: string, records: [string, unknown][]): Promise<void>;
      /** Waits (bounded) until the stored answers were read back: loaded, dropped or corrupt. */
      settled(index: Index, atLeast?: number): Promise<void>;
    };
  }
}

test.beforeEach(async ({ harness }) => {
  await harness.evaluate(() => {
    const store = (name: string, mode: IDBTransactionMode) =>
      new Promise<{ db: IDBDatabase; store: IDBObjectStore }>((resolve, reject) => {
        const req = indexedDB.open(`vicinity-cache:${name}`);
        req.onerror = () => reject(req.error);
        req.onsuccess = () =>
          resolve({
            db: req.result,
            store: req.result.transaction('entries', mode).objectStore('entries'),
          });
      });
    const done = (tx: IDBTransaction) =>
      new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
    window.cacheIntegrity = {
      async records(name) {
        const { db, store: s } = await store(name, 'readonly');
        const keys = await new Promise<IDBValidKey[]>((resolve) => {
          const r = s.getAllKeys();
          r.onsuccess = () => resolve(r.result);
        });
        const values = await new Promise<unknown[]>((resolve) => {
          const r = s.getAll();
          r.onsuccess = () => resolve(r.result as unknown[]);
        });
        db.close();
        return keys.map((key, i) => [String(key), values[i]]);
      },
      async write(name, records) {
        const { db, store: s } = await store(name, 'readwrite');
        for (const [key, value] of records) s.put(value, key);
        await done(s.transaction);
        db.close();
      },
      async settled(index, atLeast = 1) {
        const deadline = performance.now() + 20_000;
        for (;;) {
          const c = (await index.stats()).cache!;
          if (c.loaded + c.dropped + c.corrupt >= atLeast || performance.now() > deadline) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    };
  });
});

test('a hand-edited stored answer is dropped and counted as corrupt, not served', async ({
  harness,
}) => {
  const name = uniqueName('cache-edited');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const { records, write, settled } = window.cacheIntegrity;
    const items = [
      { id: 'a', vector: [1, 0, 0, 0] },
      { id: 'b', vector: [0, 1, 0, 0] },
      { id: 'c', vector: [0, 0, 1, 0] },
    ];
    const query = [0.9, 0.2, 0, 0];
    let index = await VectorIndex.open(name, { dimensions: 4, metric: 'l2' });
    await index.upsert(items);
    await index.save();
    const truth = (await index.search(query, { k: 2 })).map((h) => h.id);
    await index.close(); // writes the answer to the store
    const stored = await records(name);
    // Change an id to one the index does not hold, and the score, as an editor would.
    const [key, record] = stored[0] as [string, { hits: { id: string; score: number }[] }];
    record.hits[0]!.id = 'not-in-the-index';
    record.hits[0]!.score = 42;
    await write(name, [[key, record]]);

    index = await VectorIndex.open(name);
    await settled(index);
    const again = await index.search(query, { k: 2 });
    const stats = (await index.stats()).cache!;
    await index.close();
    // What the store holds now: nothing of the edit (the true answer, stored again on close).
    const after = (await records(name)).map(([, value]) =>
      (value as { hits: { id: string }[] }).hits.map((h) => h.id),
    );
    await VectorIndex.delete(name);
    return {
      truth,
      storedKeys: stored.length,
      again: { cached: again.cached, ids: again.map((h) => h.id) },
      corrupt: stats.corrupt,
      loaded: stats.loaded,
      after,
    };
  }, name);
  expect(r.storedKeys).toBe(1);
  expect(r.again.ids).toEqual(r.truth);
  expect(r.again.cached).toBe(false);
  expect(r.corrupt).toBeGreaterThanOrEqual(1);
  expect(r.loaded).toBe(0);
  expect(r.after).toEqual([r.truth]);
});

test('a stored answer of the older record format (v 1) is dropped, not trusted', async ({
  harness,
}) => {
  const name = uniqueName('cache-v1');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const { records, write, settled } = window.cacheIntegrity;
    const query = [1, 0.1];
    let index = await VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    await index.upsert([
      { id: 'near', vector: [1, 0] },
      { id: 'far', vector: [-5, 5] },
    ]);
    await index.save();
    await index.search(query, { k: 1 });
    await index.close();
    const [[key, record]] = (await records(name)) as [
      [string, { query: Float32Array; expiresAt: number }],
    ];
    // A well-formed record of the format before checksums, with an answer of its own.
    await write(name, [
      [
        key,
        {
          v: 1,
          query: record.query,
          hits: [{ id: 'far', score: -1, distance: 1 }],
          expiresAt: record.expiresAt,
        },
      ],
    ]);
    index = await VectorIndex.open(name);
    await settled(index);
    const hits = await index.search(query, { k: 1 });
    const stats = (await index.stats()).cache!;
    await index.close();
    await VectorIndex.delete(name);
    return { cached: hits.cached, id: hits[0]?.id, loaded: stats.loaded, dropped: stats.dropped };
  }, name);
  expect(r).toMatchObject({ cached: false, id: 'near', loaded: 0 });
  expect(r.dropped).toBeGreaterThanOrEqual(1);
});

test('text answers are tied to the embedder: another one is not served them, the same one is', async ({
  harness,
}) => {
  const name = uniqueName('cache-embedder');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const { settled } = window.cacheIntegrity;
    // Two embedders that differ everywhere, as two models do: a hash of the
    // characters with a seed of each. "hello" is item `a` for A, item `b` for B.
    const embedder =
      (seed: number) =>
      (texts: string[]): number[][] =>
        texts.map((text) => {
          const v = [0, 0, 0, 0];
          for (let i = 0; i < text.length; i++)
            v[(i + seed) % 4]! += Math.sin(text.charCodeAt(i) * (seed + 1) + i);
          return v;
        });
    const A = embedder(1);
    const B = embedder(2);
    /** Searches until the answer comes from the cache (bounded): the embedder's fingerprint is known. */
    const untilCached = async (index: Index) => {
      const deadline = performance.now() + 20_000;
      for (;;) {
        const hits = await index.search('hello', { k: 1 });
        if (hits.cached || performance.now() > deadline) return hits;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    let index = await VectorIndex.open(name, { dimensions: 4, metric: 'l2', embed: A });
    await index.upsert([
      { id: 'a', vector: A(['hello'])[0]! },
      { id: 'b', vector: B(['hello'])[0]! },
    ]);
    await index.save();
    const withA = await untilCached(index);
    await index.close();

    index = await VectorIndex.open(name, { embed: B });
    await settled(index);
    const first = await index.search('hello', { k: 1 });
    const withB = await untilCached(index);
    const statsB = (await index.stats()).cache!;
    await index.close();

    // The same embedder (a new function that computes the same) after a reopen: a hit.
    index = await VectorIndex.open(name, { embed: embedder(2) });
    await settled(index);
    const deadline = performance.now() + 20_000;
    while ((await index.stats()).cache!.loaded < 1 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const reopened = await index.search('hello', { k: 1 });
    await index.close();
    await VectorIndex.delete(name);
    const view = (h: { cached: boolean; [i: number]: { id: string } | undefined }) => ({
      cached: h.cached,
      id: h[0]?.id,
    });
    return {
      withA: view(withA),
      first: view(first),
      withB: view(withB),
      droppedB: statsB.dropped,
      reopened: view(reopened),
    };
  }, name);
  expect(r.withA).toEqual({ cached: true, id: 'a' });
  // B's first search is B's own answer, not A's from the store.
  expect(r.first).toEqual({ cached: false, id: 'b' });
  expect(r.withB).toEqual({ cached: true, id: 'b' });
  expect(r.droppedB).toBeGreaterThanOrEqual(1);
  expect(r.reopened).toEqual({ cached: true, id: 'b' });
});

test.describe('load tester bounds', () => {
  test.skip(({ engine }) => engine !== 'simd', 'engine-independent');

  test('perQuery 1e9 and a bad search option are refused before any search; the largest perQuery runs', async ({
    harness,
  }) => {
    const name = uniqueName('loadtest-bounds');
    const r = await harness.evaluate(async (name) => {
      const { vicinity } = window.harness;
      const index = await vicinity.VectorIndex.open(name, { dimensions: 8, metric: 'l2' });
      await index.upsert(
        Array.from({ length: 50 }, (_, i) => ({
          id: `v${i}`,
          vector: Array.from({ length: 8 }, (_, d) => Math.sin(i * 8 + d)),
        })),
      );
      const queries = [Array.from({ length: 8 }, (_, d) => Math.cos(d))];
      const tester = new vicinity.LoadTester(index);
      // A bounded wait: a run that materialises every variant never comes back.
      const outcome = (run: () => Promise<{ requests: number }>) =>
        Promise.race([
          run().then(
            (result) => `ran ${result.requests}`,
            (e: { code?: string }) => `refused ${e.code}`,
          ),
          new Promise<string>((resolve) => setTimeout(() => resolve('no answer in 20 s'), 20_000)),
        ]);
      const huge = await outcome(() =>
        tester.run({ queries, variations: { perQuery: 1e9 }, requests: 20, users: 1 }),
      );
      const badK = await outcome(() =>
        tester.run({ queries, requests: 20, users: 1, search: { k: 0 } }),
      );
      const badFilter = await outcome(() =>
        tester.run({
          queries,
          requests: 20,
          users: 1,
          search: { filter: { $gt: 1 } as never },
        }),
      );
      const unknown = await outcome(() =>
        tester.run({ queries, requests: 20, users: 1, userz: 3 } as never),
      );
      const refusedSearches = index.monitor.snapshot().totals.loadtest?.count ?? 0;
      const largest = await outcome(() =>
        tester.run({ queries, variations: { perQuery: 1_000_000 }, requests: 200, users: 2 }),
      );
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { huge, badK, badFilter, unknown, refusedSearches, largest };
    }, name);
    expect(r.huge).toBe('refused INVALID_OPTIONS');
    expect(r.badK).toBe('refused INVALID_K');
    expect(r.badFilter).toBe('refused INVALID_FILTER');
    expect(r.unknown).toBe('refused INVALID_OPTIONS');
    expect(r.refusedSearches).toBe(0);
    expect(r.largest).toBe('ran 200');
  });
});
