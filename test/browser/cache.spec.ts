import { expect, openHarness, test, uniqueName } from './fixtures';

/*
 * The query cache in the page: hits never reach the worker, answers never
 * go stale, and what was cached survives a reload.
 */

test('a repeated search is answered on the page, without a message to the worker', async ({
  harness,
}) => {
  const name = uniqueName('cache-hit');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert(
      words.base.ids.slice(0, 500).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    const query = words.queries.vectors[0]!;
    let messages = 0;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
      messages++;
      return (post as (...a: unknown[]) => void).apply(this, args);
    } as Worker['postMessage'];
    try {
      const first = await index.search(query, {
        k: 5,
        filter: { $or: [{ a: 1 }, { b: { $ne: 2 } }] },
      });
      const sent = messages;
      // Same query, same filter with its keys in another order: a hit.
      const second = await index.search(query, {
        k: 5,
        filter: { $or: [{ a: 1 }, { b: { $ne: 2 } }] },
      });
      const third = await index.search(query, { k: 5 });
      const batch = await index.searchBatch([query, words.queries.vectors[1]!], { k: 5 });
      const afterHit = messages;
      return {
        first: { cached: first.cached, ids: first.map((h) => h.id) },
        second: { cached: second.cached, ids: second.map((h) => h.id) },
        third: third.cached,
        batch: batch.map((b) => b.cached),
        sent,
        hitMessages: afterHit - sent,
        stats: (await index.stats()).cache,
      };
    } finally {
      Worker.prototype.postMessage = post;
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.first.cached).toBe(false);
  expect(r.sent).toBeGreaterThan(0);
  expect(r.second).toEqual({ cached: true, ids: r.first.ids });
  // Another k-less filter is another key; the batch finds the unfiltered query cached.
  expect(r.third).toBe(false);
  expect(r.batch).toEqual([true, false]);
  // Only the misses (the third search and half the batch) crossed: two calls.
  expect(r.hitMessages).toBe(2);
  expect(r.stats).toMatchObject({ hits: 2, misses: 3, entries: 3 });
});

test('no stale answer after an upsert or a remove, even one still in flight', async ({
  harness,
}) => {
  const name = uniqueName('cache-stale');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const index = await VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    await index.upsert([
      { id: 'far', vector: [10, 10] },
      { id: 'mid', vector: [5, 5] },
    ]);
    await index.save();
    const ids = async () => {
      const hits = await index.search([0, 0], { k: 1 });
      return `${hits[0]?.id}${hits.cached ? ' (cached)' : ''}`;
    };
    const seen = [await ids(), await ids()];
    // Not awaited: the search after it must see it.
    const writing = index.upsert([{ id: 'near', vector: [1, 1] }]);
    seen.push(await ids());
    await writing;
    seen.push(await ids());
    await index.remove(['near']);
    seen.push(await ids(), await ids());
    await index.close();
    await VectorIndex.delete(name);
    return seen;
  }, name);
  expect(r).toEqual(['mid', 'mid (cached)', 'near', 'near (cached)', 'mid', 'mid (cached)']);
});

test('a tab that another tab saved past serves nothing from its cache', async ({
  page,
  engine,
}) => {
  const name = uniqueName('cache-tabs');
  const other = await page.context().newPage();
  await openHarness(page, engine);
  await openHarness(other, engine);
  const open = (tab: typeof page) =>
    tab.evaluate(async (name) => {
      const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
      w.index = await window.harness.vicinity.VectorIndex.open(name, {
        dimensions: 2,
        metric: 'l2',
      });
    }, name);
  const search = (tab: typeof page) =>
    tab.evaluate(async () => {
      const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
      const hits = await w.index.search([0, 0], { k: 1 });
      return `${hits[0]?.id}${hits.cached ? ' (cached)' : ''}`;
    });
  await open(page);
  await page.evaluate(async () => {
    const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
    await w.index.upsert([{ id: 'a', vector: [3, 3] }]);
    await w.index.save();
  });
  await open(other);
  expect([await search(other), await search(other)]).toEqual(['a', 'a (cached)']);
  await page.evaluate(async () => {
    const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
    await w.index.upsert([{ id: 'b', vector: [1, 1] }]);
    await w.index.save();
  });
  // The other tab hears of the save: stale, it answers from what it holds, never from its cache.
  await expect.poll(() => search(other)).toBe('a');
  expect(await search(other)).toBe('a');
  await other.evaluate(async () => {
    const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
    const name = w.index.name;
    await w.index.close();
    w.index = await window.harness.vicinity.VectorIndex.open(name);
  });
  expect([await search(other), await search(other)]).toEqual(['b', 'b (cached)']);
  await other.close();
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
});

test('cached answers of a saved index survive a reload, and an unreadable cache store is cleared', async ({
  page,
  engine,
}) => {
  const name = uniqueName('cache-reload');
  await openHarness(page, engine);
  const before = await page.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert(
      words.base.ids.slice(0, 800).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    // Only answers of saved content are kept across reloads.
    await index.save();
    const hits = await index.searchBatch(words.queries.vectors.slice(0, 20), { k: 5 });
    await index.close(); // writes what is queued
    return hits.map((h) => h.map((x) => x.id));
  }, name);

  await page.reload();
  await openHarness(page, engine);
  const after = await page.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name);
    const deadline = performance.now() + 10_000;
    while ((await index.stats()).cache!.loaded < 20 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const hits = await index.searchBatch(words.queries.vectors.slice(0, 20), { k: 5 });
    const stats = (await index.stats()).cache;
    await index.close();
    return { hits: hits.map((h) => h.map((x) => x.id)), cached: hits.map((h) => h.cached), stats };
  }, name);
  expect(after.stats).toMatchObject({ loaded: 20, hits: 20, misses: 0 });
  expect(after.cached).toEqual(Array(20).fill(true));
  expect(after.hits).toEqual(before);

  // Garbage in the cache store, and a store of the wrong shape: open still works.
  const damaged = await page.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const put = (db: string, value: unknown) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(db);
        req.onsuccess = () => {
          const tx = req.result.transaction('entries', 'readwrite');
          tx.objectStore('entries').put(value, 'garbage');
          tx.objectStore('entries').put({ v: 1, query: 'x', hits: 'no', expiresAt: 1e15 }, 's|x');
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      });
    await put(`vicinity-cache:${name}`, 'not an entry');
    let index = await vicinity.VectorIndex.open(name);
    const deadline = performance.now() + 10_000;
    while ((await index.stats()).cache!.corrupt < 2 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const garbage = (await index.stats()).cache;
    await index.close();
    // Now a database with no entries store at all.
    await vicinity.VectorIndex.delete(name);
    await new Promise<void>((resolve) => {
      const req = indexedDB.open(`vicinity-cache:${name}`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('something-else');
      req.onsuccess = () => (req.result.close(), resolve());
    });
    index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert([{ id: 'w', vector: words.base.vectors[0]! }]);
    await index.save();
    const deadline2 = performance.now() + 10_000;
    while ((await index.stats()).cache!.corrupt < 1 && performance.now() < deadline2)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const q = words.base.vectors[0]!;
    const answers = [
      (await index.search(q, { k: 1 })).cached,
      (await index.search(q, { k: 1 })).cached,
    ];
    await index.close();
    // The store was rebuilt: this answer was stored and comes back after reopening.
    index = await vicinity.VectorIndex.open(name);
    const deadline3 = performance.now() + 10_000;
    while ((await index.stats()).cache!.loaded < 1 && performance.now() < deadline3)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const reopened = (await index.search(q, { k: 1 })).cached;
    const unreadable = (await index.stats()).cache;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    const left = (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.includes(name));
    return { garbage, answers, reopened, unreadable, left };
  }, name);
  expect(damaged.garbage).toMatchObject({ corrupt: 2, loaded: 20 });
  expect(damaged.answers).toEqual([false, true]);
  expect(damaged.reopened, JSON.stringify(damaged.unreadable)).toBe(true);
  // delete removed the index, its cache and its query log.
  expect(damaged.left).toEqual([]);
});

test('the warmer caches the most frequent queries in idle time and stops on abort', async ({
  harness,
}) => {
  const name = uniqueName('cache-warm');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert(
      words.base.ids.slice(0, 500).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    const queries = words.queries.vectors.slice(0, 6);
    // Queries 0–3 searched 6 times, 4–5 twice.
    for (let round = 0; round < 6; round++)
      for (const [i, q] of queries.entries())
        if (i < 4 || round < 2) await index.search(q, { k: 3 });
    const top = index.cache!.topQueries(5).length;
    index.cache!.clear();
    const progress: number[] = [];
    const warmed = await index.cache!.warm({ onProgress: (p) => progress.push(p.done) });
    const hits = await index.searchBatch(queries, { k: 3 });
    index.cache!.clear();
    const controller = new AbortController();
    const aborted = await index.cache!.warm({
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    // Busy: the page's own search is in flight when the warmer's turn comes.
    index.cache!.clear();
    const searching = index.searchBatch(words.queries.vectors.slice(10, 200), { k: 3 });
    const busy = await index.cache!.warm();
    await searching;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { top, warmed, progress, cached: hits.map((h) => h.cached), aborted, busy };
  }, name);
  expect(r.top).toBe(4);
  expect(r.warmed).toEqual({ total: 4, done: 4, warmed: 4, skipped: 0, stopped: 'done' });
  expect(r.progress).toEqual([1, 2, 3, 4]);
  expect(r.cached).toEqual([true, true, true, true, false, false]);
  expect(r.aborted).toMatchObject({ stopped: 'aborted', done: 1 });
  expect(r.busy).toMatchObject({ stopped: 'busy', done: 0 });
});

test('cache misses do no IndexedDB work on the search path: answers and the log are written together every few seconds, and at once when the page is hidden', async ({
  harness,
}) => {
  const name = uniqueName('cache-batched');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert(
      words.base.ids.slice(0, 2000).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    // Only answers of saved content are stored.
    await index.save();
    // Every transaction the page starts on a vicinity cache or query-log database, with when.
    const started: { db: string; at: number }[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: unknown[]) {
      if (/^vicinity-(cache|querylog):/.test(this.name))
        started.push({ db: this.name.split(':')[0]!, at: performance.now() });
      return (transaction as (...a: unknown[]) => IDBTransaction).apply(this, args);
    } as IDBDatabase['transaction'];
    const from = performance.now();
    // 200 misses, each awaited, as a page searching as fast as it can would.
    for (let i = 0; i < 200; i++) await index.search(words.queries.vectors[i]!, { k: 5 });
    const burstMs = performance.now() - from;
    const duringBurst = started.length;
    // The next write comes once the delay has passed, in an idle period.
    const deadline = performance.now() + 10_000;
    while (started.length === duringBurst && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterDelay = started.length;
    const firstWriteAfterMs = (started[duringBurst]?.at ?? NaN) - from;
    // Hidden: what is queued is written at once, without waiting for the delay.
    for (let i = 200; i < 220; i++) await index.search(words.queries.vectors[i]!, { k: 5 });
    const beforeHide = started.length;
    const hiddenAt = performance.now();
    dispatchEvent(new PageTransitionEvent('pagehide'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const onHide = started.slice(beforeHide).filter((t) => t.at - hiddenAt < 100).length;
    IDBDatabase.prototype.transaction = transaction;
    await index.close();
    // All 220 answers were stored: a reload reads them back.
    const again = await vicinity.VectorIndex.open(name);
    const until = performance.now() + 10_000;
    while ((await again.stats()).cache!.loaded < 220 && performance.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const loaded = (await again.stats()).cache!.loaded;
    const logged = again.cache!.topQueries(1, 1000).length;
    await again.close();
    await vicinity.VectorIndex.delete(name);
    return { burstMs, duringBurst, afterDelay, firstWriteAfterMs, onHide, loaded, logged };
  }, name);
  console.log(r);
  // One write of each database per 3 s of activity at most, and none before 3 s.
  const periods = Math.floor(r.burstMs / 3000);
  expect(r.duringBurst).toBeLessThanOrEqual(2 * periods);
  expect(r.afterDelay - r.duringBurst).toBeGreaterThanOrEqual(1);
  expect(r.afterDelay - r.duringBurst).toBeLessThanOrEqual(2);
  expect(r.firstWriteAfterMs).toBeGreaterThanOrEqual(3000);
  expect(r.onHide).toBeGreaterThanOrEqual(1);
  expect(r.loaded).toBe(220);
  expect(r.logged).toBe(220);
});
