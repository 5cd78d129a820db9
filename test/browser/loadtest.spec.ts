import { expect, test, uniqueName } from './fixtures';

test.describe('load tester', () => {
  // It drives the index through its public calls: once, with the default engine.
  test.skip(({ engine }) => engine !== 'simd', 'engine-independent');

  test('8 virtual users for 5 s: every search counted as loadtest, progress reported, no long task', async ({
    harness,
  }) => {
    const name = uniqueName('loadtest');
    const r = await harness.evaluate(async (name) => {
      const { vicinity, fetchWords, longTasks } = window.harness;
      const words = await fetchWords();
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
      await index.upsert(
        words.base.ids.slice(0, 3000).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
      );
      const progress: { done: number; p95Ms: number; activeUsers: number }[] = [];
      const tasksBefore = longTasks.length;
      const started = performance.now();
      const result = await new vicinity.LoadTester(index).run({
        queries: words.queries.vectors.slice(0, 40),
        users: 8,
        durationMs: 5000,
        rampUpMs: 800,
        thinkTimeMs: [0, 4],
        search: { k: 10 },
        // Answers from the cache come back without a round trip: the users'
        // own loop is all the page runs, and it must still yield to the page.
        cache: 'use',
        onProgress: (p) => progress.push(p),
      });
      const tasks = longTasks.slice(tasksBefore).filter((t) => t.start >= started);
      const snapshot = index.monitor.snapshot();
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { result, progress, tasks, snapshot };
    }, name);
    const { result } = r;
    console.log(
      `load test: ${result.requests} searches in ${(result.durationMs / 1000).toFixed(1)} s, ` +
        `${result.requestsPerSecond.toFixed(0)}/s, p95 ${result.latencyMs.p95.toFixed(2)} ms, ` +
        `${result.cacheHits} cache hits`,
    );
    expect(result).toMatchObject({ users: 8, errors: 0, stopped: 'duration' });
    expect(result.requests).toBeGreaterThan(100);
    expect(result.durationMs).toBeGreaterThanOrEqual(5000);
    expect(result.timeline.reduce((n, s) => n + s.requests, 0)).toBe(result.requests);
    expect(result.timeline.length).toBeGreaterThanOrEqual(5);
    expect(result.latencyMs.p95).toBeGreaterThanOrEqual(result.latencyMs.p50);
    // Its traffic is in the monitor, apart from the page's own searches.
    expect(r.snapshot.totals.loadtest.count).toBe(result.requests);
    expect(result.cache).toBe('used');
    expect(result.cacheHits).toBeGreaterThan(0);
    expect(r.snapshot.totals.loadtest.cacheHits).toBe(result.cacheHits);
    expect(r.snapshot.totals.search.count).toBe(0);
    // Progress came while it ran: users ramped up, counts grew, a p95 so far.
    expect(r.progress.length).toBeGreaterThan(10);
    expect(Math.max(...r.progress.map((p) => p.activeUsers))).toBe(8);
    expect(r.progress.at(-1)!.done).toBe(result.requests);
    expect(r.progress.at(-1)!.p95Ms).toBeGreaterThan(0);
    expect(r.tasks.filter((t) => t.duration >= 50)).toEqual([]);
  });

  test("with cache: 'use' the query cache answers repeats, and the result says how many", async ({
    harness,
  }) => {
    const name = uniqueName('loadtest-cache');
    const r = await harness.evaluate(async (name) => {
      const { vicinity, fetchWords } = window.harness;
      const words = await fetchWords();
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
      await index.upsert(
        words.base.ids.slice(0, 1000).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
      );
      const run = (cache: unknown) =>
        new vicinity.LoadTester(index).run({
          queries: words.queries.vectors.slice(0, 5),
          variations: false,
          users: 2,
          requests: 200,
          cache: cache as 'use',
        });
      const used = await run('use');
      // The default: past the cache, though the same five queries repeat.
      const bypassed = await run(undefined);
      const bad = await run('sometimes').then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      );
      const totals = index.monitor.snapshot().totals.loadtest;
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { used, bypassed, bad, totals };
    }, name);
    // Five queries, 200 searches: all but the first of each (per user racing it) are hits.
    expect(r.used.cache).toBe('used');
    expect(r.used.cacheHits).toBeGreaterThanOrEqual(200 - 10);
    expect(r.used.cacheHitRate).toBeCloseTo(r.used.cacheHits / r.used.requests, 10);
    expect(r.bypassed).toMatchObject({ cache: 'bypassed', cacheHits: 0, requests: 200 });
    expect(r.totals.cacheHits).toBe(r.used.cacheHits);
    expect(r.bad).toBe('INVALID_OPTIONS');
  });

  test('a capacity test steps users until p95 misses the target and reports the knee', async ({
    harness,
  }) => {
    const name = uniqueName('loadtest-capacity');
    const r = await harness.evaluate(async (name) => {
      const { vicinity, fetchWords } = window.harness;
      const words = await fetchWords();
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
      await index.upsert(
        words.base.ids.slice(0, 1000).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
      );
      const tester = new vicinity.LoadTester(index);
      const queries = words.queries.vectors.slice(0, 20);
      const seen: number[] = [];
      // No device misses a minute: every step holds, up to users.to.
      const holds = await tester.findCapacity({
        queries,
        targetP95Ms: 60_000,
        users: { from: 1, to: 4 },
        stepMs: 300,
        onStep: (step) => seen.push(step.users),
      });
      // No search takes under a nanosecond: the first step misses.
      const misses = await tester.findCapacity({ queries, targetP95Ms: 1e-6, stepMs: 200 });
      const loadtests = index.monitor.snapshot().totals.loadtest.count;
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { holds, misses, seen, loadtests };
    }, name);
    expect(r.holds.stopped).toBe('max-users');
    expect(r.holds.steps.map((s) => s.users)).toEqual([1, 2, 4]);
    expect(r.seen).toEqual([1, 2, 4]);
    expect(r.holds.steps.every((s) => s.held && s.requests > 0 && s.p95Ms >= s.p50Ms)).toBe(true);
    const fastest = Math.max(...r.holds.steps.map((s) => s.requestsPerSecond));
    expect(r.holds.knee?.requestsPerSecond).toBe(fastest);
    expect(r.misses).toMatchObject({ stopped: 'crossed', knee: null });
    expect(r.misses.steps).toHaveLength(1);
    expect(r.misses.steps[0]).toMatchObject({ users: 1, held: false });
    // Every step's searches are load-test searches in the monitor.
    const sent = [...r.holds.steps, ...r.misses.steps].reduce((n, s) => n + s.requests, 0);
    expect(r.loadtests).toBe(sent);
  });

  test('a load test stops on abort, with what finished counted', async ({ harness }) => {
    const name = uniqueName('loadtest-abort');
    const r = await harness.evaluate(async (name) => {
      const { vicinity, fetchWords } = window.harness;
      const words = await fetchWords();
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
      await index.upsert(
        words.base.ids.slice(0, 1000).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
      );
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(), 1000);
      const result = await new vicinity.LoadTester(index).run({
        queries: words.queries.vectors.slice(0, 10),
        users: 4,
        durationMs: 60_000,
        thinkTimeMs: [5, 20],
        signal: controller.signal,
      });
      const tookMs = performance.now() - started;
      const bad = await new vicinity.LoadTester(index).run({ queries: [], users: 2 }).then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      );
      const count = index.monitor.snapshot().totals.loadtest.count;
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { result, tookMs, bad, count };
    }, name);
    expect(r.result.stopped).toBe('aborted');
    expect(r.tookMs).toBeLessThan(5000);
    expect(r.result.requests).toBeGreaterThan(0);
    expect(r.count).toBe(r.result.requests);
    expect(r.bad).toBe('INVALID_OPTIONS');
  });
});

test('the recall estimator samples live queries and agrees with a brute-force oracle', async ({
  harness,
}) => {
  const name = uniqueName('recall');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords, exactSearch, recallAt } = window.harness;
    const words = await fetchWords();
    const n = 4000;
    const vectors = words.base.vectors.slice(0, n);
    const ids = words.base.ids.slice(0, n);
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100, M: 8, cache: false });
    await index.upsert(ids.map((id, i) => ({ id, vector: vectors[i]! })));
    const estimator = new vicinity.RecallEstimator(index, { sampleEvery: 2, sampleSize: 100 });
    estimator.start();
    const queries = words.queries.vectors.slice(0, 60);
    for (const q of queries) await index.search(q, { k: 10 });
    await estimator.fill();
    estimator.stop(); // the oracle's own searches below are not samples
    const sampled = queries.filter((_, i) => i % 2 === 0);
    // The oracle: brute force here, and the index's own answers at the same efSearch.
    const oracle = async (ef: number) => {
      let sum = 0;
      for (const q of sampled) {
        const truth = exactSearch('cosine', vectors, ids, q, 10);
        sum += recallAt(await index.search(q, { k: 10, efSearch: ef }), truth);
      }
      return sum / sampled.length;
    };
    const low = await estimator.estimate(4);
    const high = await estimator.estimate(400);
    const oracleLow = await oracle(4);
    const ready = estimator.ready;
    // A write makes the exact answers stale until computed again.
    await index.upsert([{ id: 'extra', vector: queries[0]! }]);
    const afterWrite = estimator.ready;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { low, high, oracleLow, ready, afterWrite };
  }, name);
  expect(r.ready).toBe(30);
  expect(r.low.samples).toBe(30);
  expect(r.low.recall).toBeCloseTo(r.oracleLow, 10);
  expect(r.low.recall).toBeLessThan(0.95);
  expect(r.high.recall).toBeGreaterThan(0.99);
  expect(r.afterWrite).toBe(0);
});
