import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { percentiles } from '../../src/monitor/PerformanceMonitor.js';
import {
  AdaptiveOptimizer,
  type AdaptiveOptimizerOptions,
} from '../../src/optimizer/AdaptiveOptimizer.js';
import type { RecallEstimate } from '../../src/optimizer/RecallEstimator.js';
import { FakeIndex, settle, useFakeClock, type FakeIndexOptions } from '../support/fakeTunable.js';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const FLOOR = 0.95;
const MARGIN = 0.01;

/**
 * Quick cycles on the fake clock. The page searches 32 queries in turn, and
 * one search in two is a recall sample: once the estimator holds its 16
 * samples, they are always the same 16 queries, so that its estimate at a
 * value no longer moves. These tests are about the optimizer's rules, not the
 * estimator's noise (see RecallEstimator.test.ts).
 */
const QUICK: AdaptiveOptimizerOptions = {
  recallFloor: FLOOR,
  recallMargin: MARGIN,
  intervalMs: 250,
  cooldownMs: 500,
  minSamples: 10,
  minRecallSamples: 16,
  recall: { sampleEvery: 2, sampleSize: 16, maxShare: 0.5 },
  validate: false,
  cacheBytes: null,
};

/** An optimizer on a fake index, with every recall estimate it reads logged, and a search every 50 ms. */
function setUp(fakeOptions: FakeIndexOptions, options: AdaptiveOptimizerOptions) {
  const fake = new FakeIndex({ exactMs: 0, ...fakeOptions });
  const optimizer = new AdaptiveOptimizer(fake, { ...QUICK, ...options });
  const estimates: (RecallEstimate & { efSearch: number; at: number })[] = [];
  const estimate = optimizer.recall.estimate.bind(optimizer.recall);
  vi.spyOn(optimizer.recall, 'estimate').mockImplementation(async (efSearch) => {
    const result = await estimate(efSearch);
    estimates.push({ ...result, efSearch, at: performance.now() });
    return result;
  });
  const queries = fake.queries(32);
  const stopTraffic = fake.traffic(queries, 50);
  /** The queries the estimator samples. */
  const sampled = queries.filter((_, i) => i % 2 === 0);
  /** The recall of the sampled queries at an efSearch, as the fake makes it. */
  const sampledRecall = (efSearch: number) => fake.knownMeanRecall(sampled, 10, efSearch);
  /** The last estimate the optimizer read at `efSearch` up to `at`. */
  const estimateAt = (efSearch: number, at = Infinity) =>
    estimates.filter((e) => e.efSearch === efSearch && e.at <= at).at(-1);
  /** p95 of the uncached searches since `since`, as the monitor holds them. */
  const p95Since = (since: number) =>
    percentiles(
      fake.monitor
        .records()
        .filter((r) => r.operation === 'search' && r.startedAt >= since)
        .map((r) => r.totalMs),
    ).p95;
  return { fake, optimizer, estimates, estimateAt, sampledRecall, p95Since, stopTraffic };
}

const efDecisions = (optimizer: AdaptiveOptimizer) =>
  optimizer.history().filter((d) => d.parameter === 'efSearch');

const floorAlert = (fake: FakeIndex) =>
  fake.monitor.alerts.active().find((a) => a.id === 'recallFloor:search');

describe('AdaptiveOptimizer', () => {
  it('lowers efSearch while p95 is over the target, never under the recall floor the estimator reports', async () => {
    const { fake, optimizer, estimateAt, sampledRecall, stopTraffic } = setUp(
      { efSearch: 128, jitterMs: 2 },
      { targetP95Ms: 5 },
    );
    await vi.advanceTimersByTimeAsync(8000);
    const decisions = efDecisions(optimizer);
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    expect(fake.setEfSearchCalls).toEqual(decisions.map((d) => d.to));
    for (const d of decisions) {
      expect(d.to).toBeLessThan(d.from);
      expect(d.before!.p95Ms!).toBeGreaterThan(5);
      // The estimate it went by, at the value it moved to, was at the floor and margin or above.
      const at = estimateAt(d.to, d.at)!;
      expect(at.samples).toBe(16);
      expect(at.recall).toBeGreaterThanOrEqual(FLOOR + MARGIN);
    }
    const final = fake.efSearch;
    expect(final).toBeLessThan(128);
    expect(sampledRecall(final)).toBeGreaterThanOrEqual(FLOOR + MARGIN);
    // Still over the target: the floor is what stopped it, and an alert says so.
    expect(fake.latencyAt(final)).toBeGreaterThan(5);
    const below = Math.floor(final * 0.75);
    expect(estimateAt(below)!.recall).toBeLessThan(FLOOR + MARGIN);
    expect(floorAlert(fake)?.message).toMatch(/too close to the floor 95.0 %/);
    // And it stays there.
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.efSearch).toBe(final);
    expect(fake.setEfSearchCalls).toHaveLength(decisions.length);
    stopTraffic();
    optimizer.disable();
  });

  it('lowers efSearch until p95 meets the target, then holds it in the band', async () => {
    const { fake, optimizer, sampledRecall, p95Since, stopTraffic } = setUp(
      { efSearch: 128, jitterMs: 2 },
      { targetP95Ms: 20, headroom: 0.5 },
    );
    await vi.advanceTimersByTimeAsync(6000);
    const decisions = efDecisions(optimizer);
    expect(decisions.length).toBeGreaterThanOrEqual(1);
    for (const d of decisions) {
      expect(d.to).toBeLessThan(d.from);
      expect(d.before!.p95Ms!).toBeGreaterThan(20);
    }
    const now = p95Since(decisions.at(-1)!.at);
    expect(now).toBeLessThanOrEqual(20);
    expect(now).toBeGreaterThanOrEqual(10);
    expect(sampledRecall(fake.efSearch)).toBeGreaterThanOrEqual(FLOOR);
    expect(floorAlert(fake)).toBeUndefined();
    stopTraffic();
    optimizer.disable();
  });

  it('raises efSearch while the estimated recall is under the floor, whatever the latency', async () => {
    const { fake, optimizer, estimateAt, sampledRecall, stopTraffic } = setUp(
      { efSearch: 16 },
      { targetP95Ms: 1, validate: { liveQueries: 20 } },
    );
    expect(sampledRecall(16)).toBeLessThan(FLOOR);
    await vi.advanceTimersByTimeAsync(12_000);
    const decisions = efDecisions(optimizer);
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    for (const d of decisions) {
      expect(d.to).toBeGreaterThan(d.from);
      expect(d.reason).toMatch(/under the floor/);
      expect(d.before!.recall!).toBeLessThan(FLOOR);
      expect(d.before!.p95Ms ?? Infinity).toBeGreaterThan(1);
      expect(d.outcome).toBe('kept');
    }
    const final = fake.efSearch;
    expect(estimateAt(final)!.recall).toBeGreaterThanOrEqual(FLOOR);
    expect(sampledRecall(final)).toBeGreaterThanOrEqual(FLOOR);
    expect(sampledRecall(decisions.at(-1)!.from)).toBeLessThan(FLOOR);
    // Over the target at the floor: it stays, with the alert up, and does not swing back down.
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.efSearch).toBe(final);
    expect(floorAlert(fake)).toBeDefined();
    stopTraffic();
    optimizer.disable();
  });

  it('raises efSearch while p95 is well under the target, and stops in the band', async () => {
    const { fake, optimizer, p95Since, stopTraffic } = setUp(
      { efSearch: 32, jitterMs: 1, missRate: (ef) => Math.exp(-ef / 4) },
      { targetP95Ms: 40, headroom: 0.5, validate: { liveQueries: 20 } },
    );
    const events: string[] = [];
    optimizer.onChange((e) => events.push(`${e.type} ${e.decision.outcome}`));
    await vi.advanceTimersByTimeAsync(10_000);
    const decisions = efDecisions(optimizer);
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    for (const d of decisions) {
      expect(d.to).toBeGreaterThan(d.from);
      expect(d.before!.p95Ms!).toBeLessThan(20);
      expect(d.reason).toMatch(/well under the target/);
      expect(d.outcome).toBe('kept');
    }
    expect(events).toEqual(decisions.flatMap(() => ['changed pending', 'validated kept']));
    expect(fake.setEfSearchCalls).toEqual(decisions.map((d) => d.to));
    const now = p95Since(decisions.at(-1)!.at);
    expect(now).toBeGreaterThanOrEqual(20);
    expect(now).toBeLessThanOrEqual(40);
    stopTraffic();
    optimizer.disable();
  });

  it('keeps efSearch within minEfSearch and maxEfSearch', async () => {
    const { fake, optimizer, stopTraffic } = setUp(
      { efSearch: 32, missRate: () => 0 },
      { targetP95Ms: 1000, maxEfSearch: 50 },
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.setEfSearchCalls.length).toBeGreaterThan(0);
    expect(fake.efSearch).toBe(50);
    expect(Math.max(...fake.setEfSearchCalls)).toBe(50);
    stopTraffic();
    optimizer.disable();

    const low = setUp({ efSearch: 32, missRate: () => 0 }, { targetP95Ms: 1, minEfSearch: 20 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(low.fake.efSearch).toBe(20);
    expect(Math.min(...low.fake.setEfSearchCalls)).toBe(20);
    low.stopTraffic();
    low.optimizer.disable();
  });

  it('also runs a cycle every everyQueries searches', async () => {
    const { fake, optimizer, stopTraffic } = setUp(
      { efSearch: 128 },
      { targetP95Ms: 5, intervalMs: 86_400_000, everyQueries: 15 },
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.setEfSearchCalls.length).toBeGreaterThan(0);
    expect(fake.efSearch).toBeLessThan(128);
    stopTraffic();
    optimizer.disable();
  });

  it('disable() stops cycles, sampling and its listeners, and leaves efSearch where it is', async () => {
    const { fake, optimizer, stopTraffic } = setUp(
      { efSearch: 128 },
      { targetP95Ms: 5, everyQueries: 10 },
    );
    expect(fake.listenerCount).toBe(2); // the recall estimator's and the query count's
    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.setEfSearchCalls.length).toBeGreaterThan(0);
    optimizer.disable();
    expect(optimizer.enabled).toBe(false);
    expect(fake.listenerCount).toBe(0);
    const ef = fake.efSearch;
    const work = () => [
      fake.setEfSearchCalls.length,
      fake.approximateCalls.length,
      fake.exactQueries,
    ];
    const before = work();
    await vi.advanceTimersByTimeAsync(10_000); // as slow as ever
    expect(work()).toEqual(before);
    expect(fake.efSearch).toBe(ef);
    expect(await settle(optimizer.cycle())).toBeNull();
    stopTraffic();
    await vi.advanceTimersByTimeAsync(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('disable() during a validation keeps the change, marked as not judged', async () => {
    const { fake, optimizer, stopTraffic } = setUp(
      { efSearch: 128 },
      { targetP95Ms: 5, validate: { liveQueries: 200 } },
    );
    const events: string[] = [];
    optimizer.onChange((e) => events.push(`${e.type} ${e.decision.outcome}`));
    for (let t = 0; t < 100 && efDecisions(optimizer).length === 0; t++)
      await vi.advanceTimersByTimeAsync(100);
    const [pending] = efDecisions(optimizer);
    expect(pending).toMatchObject({ from: 128, outcome: 'pending' });
    optimizer.disable();
    await settle(optimizer.settled());
    expect(efDecisions(optimizer)).toEqual([
      expect.objectContaining({
        from: 128,
        to: pending!.to,
        outcome: 'kept',
        validation: expect.stringMatching(/not judged/),
      }),
    ]);
    expect(events).toEqual(['changed pending', 'validated kept']);
    expect(fake.setEfSearchCalls).toEqual([pending!.to]);
    stopTraffic();
    await vi.advanceTimersByTimeAsync(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with enabled: false starts nothing until enable()', async () => {
    const fake = new FakeIndex({ efSearch: 128 });
    const optimizer = new AdaptiveOptimizer(fake, { ...QUICK, targetP95Ms: 5, enabled: false });
    expect(optimizer.enabled).toBe(false);
    expect(fake.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(await settle(optimizer.cycle())).toBeNull();
    const stop = fake.traffic(fake.queries(32), 50);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.setEfSearchCalls).toEqual([]);
    optimizer.enable();
    expect(fake.listenerCount).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.setEfSearchCalls.length).toBeGreaterThan(0);
    stop();
    optimizer.disable();
  });

  it('disables itself when a cycle finds the index closed, keeping the error', async () => {
    // Room under the target: the first cycle, a minute in, raises efSearch, on an index closed by then.
    const { fake, optimizer } = setUp(
      { efSearch: 32, missRate: () => 0 },
      { targetP95Ms: 1000, intervalMs: 60_000 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    fake.close();
    expect(optimizer.enabled).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(optimizer.enabled).toBe(false);
    expect(optimizer.lastError?.code).toBe('CLOSED');
    expect(fake.listenerCount).toBe(0);
    expect(fake.setEfSearchCalls).toEqual([]);
    expect(vi.getTimerCount()).toBe(1); // the fake's own traffic timer, idle on a closed index
  });

  it('disables itself on a closed index when latency is over the target, where it needs a recall estimate first', async () => {
    const { fake, optimizer } = setUp(
      { efSearch: 64, missRate: () => 0 },
      { targetP95Ms: 1, intervalMs: 60_000 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    fake.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(optimizer.enabled).toBe(false);
    expect(optimizer.lastError?.code).toBe('CLOSED');
    expect(fake.setEfSearchCalls).toEqual([]);
  });

  it('refuses bad options with INVALID_OPTIONS, and starts nothing', () => {
    const fake = new FakeIndex({ monitorCapacity: 100 });
    for (const options of [
      null,
      { targetP95Ms: 0 },
      { targetP95Ms: 60_001 },
      { recallFloor: 1.5 },
      { recallMargin: 1 },
      { minEfSearch: 0 },
      { minEfSearch: 64, maxEfSearch: 32 },
      { maxEfSearch: 1_000_001 },
      { step: 0 },
      { step: 1 },
      { headroom: 1 },
      { cooldownMs: -1 },
      { cooldownMs: 86_400_001 },
      { minSamples: 0 },
      { minSamples: 101 }, // over the monitor's capacity
      { minRecallSamples: 65 }, // over recall.sampleSize (64)
      { recall: { sampleSize: 8 }, minRecallSamples: 9 },
      { recall: { sampleEvery: 0 } },
      { recall: { rate: 1 } },
      { intervalMs: 5 },
      { everyQueries: -1 },
      { historySize: 0 },
      { enabled: 'yes' },
      { cacheBytes: { min: 2048 } },
      { cacheBytes: { min: 512, max: 4096 } },
      { validate: { mode: 'fixed' } },
      { validate: { liveQueries: 101 } },
      { validate: true },
      { target: 5 },
    ]) {
      expect(() => new AdaptiveOptimizer(fake, options as never)).toThrow(
        expect.objectContaining({ name: 'VicinityError', code: 'INVALID_OPTIONS' }),
      );
      expect(fake.listenerCount).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    }
    expect(() => new AdaptiveOptimizer({} as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
