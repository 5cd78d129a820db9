import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadTester, type LoadTestProgress } from '../../src/loadtest/LoadTester.js';
import { FakeIndex, settle, useFakeClock } from '../support/fakeTunable.js';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

/** Where a search finished: the second of the run its answer came in. */
const secondOf = (started: number, call: { startedAt: number; latencyMs: number }) =>
  Math.floor((call.startedAt + call.latencyMs - started) / 1000);

describe('LoadTester.run', () => {
  it('counts every search and failure, and reads percentiles within 1 % of what the searches took', async () => {
    // 100 to 300 ms a search, many distinct values; one in 17 fails.
    const fake = new FakeIndex({
      efSearch: 400,
      jitterMs: 200,
      failLoadTest: (n) => (n % 17 === 5 ? 'TIMEOUT' : null),
    });
    const started = performance.now();
    const result = await settle(
      new LoadTester(fake).run({
        queries: fake.queries(10),
        users: 4,
        requests: 300,
        thinkTimeMs: [1, 5],
        search: { k: 5 },
      }),
    );
    const done = fake.loadTestFigures();
    expect(done.calls).toBe(300);
    expect(result).toMatchObject({
      users: 4,
      requests: 300,
      errors: done.errors,
      errorCodes: { TIMEOUT: done.errors },
      cache: 'bypassed',
      cacheHits: 0,
      cacheHitRate: 0,
      stopped: 'requests',
    });
    expect(done.errors).toBeGreaterThan(10);
    expect(fake.loadTestCalls.every((c) => !c.useCache && c.options.k === 5)).toBe(true);
    for (const p of ['p50', 'p95', 'p99'] as const) {
      expect(result.latencyMs[p]).toBeGreaterThanOrEqual(done.latency[p] * (1 - 1e-9));
      expect(result.latencyMs[p]).toBeLessThanOrEqual(done.latency[p] * 1.01 * (1 + 1e-9));
    }
    expect(done.latency.p50).toBeLessThan(done.latency.p99);
    expect(result.latencyMs.max).toBe(done.latency.max);
    expect(result.latencyMs.mean).toBeCloseTo(done.latency.mean, 9);
    expect(result.durationMs).toBe(performance.now() - started);
    expect(result.requestsPerSecond).toBeCloseTo(300 / (result.durationMs / 1000), 9);
    // Each search in the second its answer came in.
    expect(result.timeline.map((s) => s.second)).toEqual(result.timeline.map((_, i) => i));
    result.timeline.forEach((s) => {
      const calls = fake.loadTestCalls.filter((c) => secondOf(started, c) === s.second);
      expect(s.requests).toBe(calls.length);
      expect(s.errors).toBe(calls.filter((c) => c.error !== null).length);
    });
    expect(result.timeline.reduce((sum, s) => sum + s.requests, 0)).toBe(300);
  });

  it("with cache: 'use', searches reach the port with useCache and the result counts the cache's answers", async () => {
    const fake = new FakeIndex();
    const queries = fake.queries(3);
    const result = await settle(
      new LoadTester(fake).run({
        queries,
        variations: false,
        users: 2,
        requests: 200,
        thinkTimeMs: 2,
        cache: 'use',
      }),
    );
    const done = fake.loadTestFigures();
    expect(fake.loadTestCalls.every((c) => c.useCache)).toBe(true);
    expect(result.cache).toBe('used');
    expect(result.cacheHits).toBe(done.cached);
    expect(result.cacheHitRate).toBe(done.cached / 200);
    // Three queries, two users: at most one miss per query and user before each answer is cached.
    expect(done.cached).toBeGreaterThanOrEqual(200 - 3 * 2);
  });

  it("by default, and with cache: 'bypass', every search goes past the cache", async () => {
    for (const cache of [undefined, 'bypass'] as const) {
      const fake = new FakeIndex();
      const result = await settle(
        new LoadTester(fake).run({
          queries: fake.queries(3),
          variations: false,
          users: 2,
          requests: 50,
          thinkTimeMs: 2,
          ...(cache ? { cache } : {}),
        }),
      );
      expect(fake.loadTestCalls).toHaveLength(50);
      expect(fake.loadTestCalls.every((c) => !c.useCache && !c.cached)).toBe(true);
      expect(result).toMatchObject({ cache: 'bypassed', cacheHits: 0, cacheHitRate: 0 });
    }
  });

  it('sends for durationMs: no search starts after it, and the run ends with the searches under way', async () => {
    const fake = new FakeIndex({ efSearch: 40 }); // 10 ms a search
    const started = performance.now();
    const result = await settle(
      new LoadTester(fake).run({
        queries: fake.queries(5),
        users: 3,
        durationMs: 2000,
        thinkTimeMs: [5, 15],
      }),
    );
    expect(result.stopped).toBe('duration');
    expect(result.requests).toBe(fake.loadTestCalls.length);
    expect(fake.loadTestCalls.every((c) => c.startedAt < started + 2000)).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(2000);
    expect(result.durationMs).toBeLessThanOrEqual(2000 + 10 + 15);
    // Each user: a search (10 ms) and a think (5 to 15 ms) at a time.
    expect(result.requests).toBeGreaterThanOrEqual(Math.floor((3 * 2000) / 25));
    expect(result.requests).toBeLessThanOrEqual(Math.ceil((3 * 2000) / 15) + 3);
  });

  it('waits the think time between the searches of a user', async () => {
    const fake = new FakeIndex({ efSearch: 40, jitterMs: 5 });
    await settle(
      new LoadTester(fake).run({
        queries: fake.queries(5),
        users: 1,
        requests: 20,
        thinkTimeMs: 50,
      }),
    );
    const calls = fake.loadTestCalls;
    for (let i = 1; i < calls.length; i++)
      expect(calls[i]!.startedAt - calls[i - 1]!.startedAt).toBe(calls[i - 1]!.latencyMs + 50);
  });

  it('starts the users evenly over rampUpMs', async () => {
    const fake = new FakeIndex();
    const started = performance.now();
    await settle(
      new LoadTester(fake).run({
        queries: fake.queries(5),
        users: 4,
        rampUpMs: 300,
        durationMs: 500,
        thinkTimeMs: 1000, // one search each
      }),
    );
    expect(fake.loadTestCalls.map((c) => c.startedAt - started).sort((a, b) => a - b)).toEqual([
      0, 75, 150, 225,
    ]);
  });

  it('stops on abort, with what finished counted', async () => {
    const fake = new FakeIndex({ efSearch: 40 });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 500);
    const result = await settle(
      new LoadTester(fake).run({
        queries: fake.queries(5),
        users: 4,
        durationMs: 60_000,
        thinkTimeMs: [0, 20],
        signal: controller.signal,
      }),
    );
    expect(result.stopped).toBe('aborted');
    expect(result.requests).toBe(fake.loadTestCalls.length);
    expect(result.requests).toBeGreaterThan(0);
    expect(fake.loadTestCalls.every((c) => c.startedAt <= started + 500)).toBe(true);
    expect(result.durationMs).toBeLessThanOrEqual(500 + 10);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports progress every progressEveryMs, and once at the end', async () => {
    const fake = new FakeIndex({ efSearch: 40 });
    const seen: LoadTestProgress[] = [];
    const result = await settle(
      new LoadTester(fake).run({
        queries: fake.queries(5),
        users: 2,
        durationMs: 1000,
        thinkTimeMs: 10,
        progressEveryMs: 100,
        onProgress: (p) => seen.push(p),
      }),
    );
    expect(seen.length).toBeGreaterThanOrEqual(10);
    expect(seen.length).toBeLessThanOrEqual(11);
    // On the interval, then once more as the run ends.
    seen.slice(0, -1).forEach((p, i) => expect(p.elapsedMs).toBe((i + 1) * 100));
    expect(seen.at(-1)!.elapsedMs).toBe(result.durationMs);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    expect(seen[0]!.activeUsers).toBe(2);
    expect(seen.at(-1)).toMatchObject({ done: result.requests, activeUsers: 0, errors: 0 });
  });

  it('refuses bad options before any search: INVALID_OPTIONS, and the codes of a search', async () => {
    const fake = new FakeIndex();
    const tester = new LoadTester(fake);
    const [query] = fake.queries(1);
    const queries = [query!];
    const refused = async (options: unknown, code: string) =>
      expect(tester.run(options as never)).rejects.toMatchObject({ name: 'VicinityError', code });
    for (const options of [
      undefined,
      {},
      { queries: [] },
      { queries: 'abc' },
      { queries, users: 0 },
      { queries, users: 1025 },
      { queries, users: 1.5 },
      { queries, durationMs: 0 },
      { queries, durationMs: 3_600_001 },
      { queries, requests: 0 },
      { queries, rampUpMs: -1 },
      { queries, thinkTimeMs: [5, 1] },
      { queries, thinkTimeMs: [1, 2, 3] },
      { queries, thinkTimeMs: 60_001 },
      { queries, cache: 'maybe' },
      { queries, cache: true },
      { queries, progressEveryMs: 5 },
      { queries, seed: -1 },
      { queries, seed: 2 ** 32 },
      { queries, onProgress: 'often' },
      { queries, signal: {} },
      { queries, variations: { perQuery: -1 } },
      { queries, variations: { noise: 11 } },
      { queries, search: { k: 5, mood: 'fast' } },
      { queries, user: 2 },
    ])
      await refused(options, 'INVALID_OPTIONS');
    await refused({ queries: [query!.subarray(0, 3)] }, 'DIMENSION_MISMATCH');
    await refused(
      { queries: [new Float32Array(fake.dimensions).fill(Number.NaN)] },
      'INVALID_VECTOR',
    );
    await refused({ queries, search: { k: 0 } }, 'INVALID_K');
    await refused({ queries, search: { efSearch: 0 } }, 'INVALID_EF');
    expect(fake.loadTestCalls).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(() => new LoadTester({} as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('LoadTester.findCapacity', () => {
  it('doubles the users until a step holds no more, and the knee is the fastest step that held', async () => {
    const fake = new FakeIndex({ efSearch: 40 }); // 10 ms a search, whatever the users
    const held = await settle(
      new LoadTester(fake).findCapacity({
        queries: fake.queries(5),
        targetP95Ms: 50,
        users: { from: 1, to: 8 },
        stepMs: 200,
        thinkTimeMs: 10,
      }),
    );
    expect(held.steps.map((s) => s.users)).toEqual([1, 2, 4, 8]);
    expect(held.steps.every((s) => s.held)).toBe(true);
    expect(held.stopped).toBe('max-users');
    const fastest = Math.max(...held.steps.map((s) => s.requestsPerSecond));
    expect(held.knee?.requestsPerSecond).toBe(fastest);
    expect(held.knee?.users).toBe(8);

    const missed = await settle(
      new LoadTester(fake).findCapacity({
        queries: fake.queries(5),
        targetP95Ms: 5,
        stepMs: 200,
      }),
    );
    expect(missed.steps).toHaveLength(1);
    expect(missed.steps[0]).toMatchObject({ users: 1, held: false });
    expect(missed.knee).toBeNull();
    expect(missed.stopped).toBe('crossed');
  });

  it('refuses what a step sets itself, and bad options, with INVALID_OPTIONS before the first step', async () => {
    const fake = new FakeIndex();
    const tester = new LoadTester(fake);
    const queries = fake.queries(1);
    for (const options of [
      { queries },
      { queries, targetP95Ms: 0 },
      { queries, targetP95Ms: 10, users: 4 },
      { queries, targetP95Ms: 10, durationMs: 1000 },
      { queries, targetP95Ms: 10, requests: 100 },
      { queries, targetP95Ms: 10, rampUpMs: 100 },
      { queries, targetP95Ms: 10, onProgress: () => undefined },
      { queries, targetP95Ms: 10, users: { from: 8, to: 4 } },
      { queries, targetP95Ms: 10, stepMs: 50 },
      { queries, targetP95Ms: 10, refinements: 11 },
      { queries, targetP95Ms: 10, cache: 'maybe' },
    ])
      await expect(tester.findCapacity(options as never)).rejects.toMatchObject({
        code: 'INVALID_OPTIONS',
      });
    expect(fake.loadTestCalls).toHaveLength(0);
  });
});
