import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { percentiles } from '../../src/monitor/PerformanceMonitor.js';
import { AdaptiveOptimizer } from '../../src/optimizer/AdaptiveOptimizer.js';
import {
  OptimizationValidator,
  type ValidatedChange,
  type ValidatorOptions,
} from '../../src/optimizer/OptimizationValidator.js';
import { RecallEstimator } from '../../src/optimizer/RecallEstimator.js';
import { FakeIndex, settle, useFakeClock, type FakeIndexOptions } from '../support/fakeTunable.js';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const change = (
  from: number,
  to: number,
  goal: ValidatedChange['goal'],
  extra: Partial<ValidatedChange> = {},
): ValidatedChange => ({
  from,
  to,
  goal,
  p95BeforeMs: null,
  at: performance.now(),
  targetP95Ms: 50,
  recallFloor: 0.9,
  ...extra,
});

/** A validator on a fixed set of 24 queries (k 10), timed alone at each value, twice. */
function fixed(options: ValidatorOptions = {}, fakeOptions: FakeIndexOptions = {}) {
  const fake = new FakeIndex({ efSearch: 96, jitterMs: 2, ...fakeOptions });
  const queries = fake.queries(24, 7);
  const validator = new OptimizationValidator(fake, new RecallEstimator(fake), {
    mode: 'fixed',
    queries,
    k: 10,
    rounds: 2,
    ...options,
  });
  /** Recall of the fixed set at an efSearch, as the fake makes it. */
  const recall = (ef: number) => fake.knownMeanRecall(queries, 10, ef);
  /** p95 of the graph searches the fake timed at an efSearch. */
  const p95 = (ef: number) => percentiles(fake.approximateLatencies.get(ef) ?? []).p95;
  return { fake, validator, queries, recall, p95 };
}

describe('OptimizationValidator, fixed mode', () => {
  it('keeps a step down for latency that makes p95 faster and holds recall', async () => {
    const { fake, validator, recall, p95 } = fixed();
    const result = await settle(validator.validate(change(96, 72, 'latency')));
    expect(result.before.recall).toBeCloseTo(recall(96), 12);
    expect(result.after.recall).toBeCloseTo(recall(72), 12);
    expect(result.before.p95Ms).toBe(p95(96));
    expect(result.after.p95Ms).toBe(p95(72));
    // What the fake makes of these values: faster by a quarter, recall within 0.02 and over 0.9.
    expect(result.after.p95Ms!).toBeLessThan(result.before.p95Ms! * 0.95);
    expect(recall(96) - recall(72)).toBeLessThan(0.02);
    expect(result).toMatchObject({ keep: true, reason: expect.stringMatching(/^kept: /) });
    // Every query is timed alone, at both values, in each of the 2 rounds; nothing is changed.
    expect(fake.approximateCalls).toHaveLength(24 * 2 * 2);
    expect(fake.approximateCalls.every((c) => c.queries === 1)).toBe(true);
    expect(fake.setEfSearchCalls).toEqual([]);
  });

  it('rejects a step down that loses more recall than recallTolerance', async () => {
    const { validator, recall } = fixed();
    expect(recall(96) - recall(24)).toBeGreaterThan(0.1);
    const result = await settle(validator.validate(change(96, 24, 'latency')));
    expect(result.keep).toBe(false);
    expect(result.reason).toMatch(/^reverted: recall fell too far/);
    expect(result.reason).not.toMatch(/did not improve/);
    expect(result.after.recall).toBeCloseTo(recall(24), 12);
  });

  it('rejects a step down that stays within the tolerance but goes under the recall floor', async () => {
    const { validator, recall } = fixed({ recallTolerance: 0.05 });
    const floor = (recall(96) + recall(64)) / 2;
    expect(recall(96) - recall(64)).toBeLessThan(0.05);
    const under = await settle(
      validator.validate(change(96, 64, 'latency', { recallFloor: floor })),
    );
    expect(under).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/recall fell too far/),
    });
    // The same change with the floor under both values holds.
    const held = await settle(
      validator.validate(change(96, 64, 'latency', { recallFloor: recall(64) - 0.001 })),
    );
    expect(held.keep).toBe(true);
  });

  it('rejects a step down that does not make p95 faster by minImprovement', async () => {
    const { validator } = fixed({}, { latencyMs: () => 10 });
    const result = await settle(validator.validate(change(96, 72, 'latency')));
    expect(result.before.p95Ms).toBe(result.after.p95Ms);
    expect(result).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/^reverted: p95 did not improve by 5 %/),
    });
  });

  it('keeps a raise for headroom while p95 stays under the target, and rejects one that goes over it', async () => {
    const { validator, p95 } = fixed();
    const under = await settle(validator.validate(change(32, 43, 'headroom', { targetP95Ms: 50 })));
    expect(p95(43)).toBeLessThanOrEqual(50);
    expect(under.keep).toBe(true);
    const over = await settle(
      validator.validate(change(32, 43, 'headroom', { targetP95Ms: p95(43) - 1 })),
    );
    expect(over).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/^reverted: p95 went over the target/),
    });
  });

  it('always keeps a raise made to get back to the recall floor', async () => {
    const { validator } = fixed();
    const result = await settle(validator.validate(change(32, 43, 'recall', { targetP95Ms: 1 })));
    expect(result.after.p95Ms!).toBeGreaterThan(1);
    expect(result).toMatchObject({
      keep: true,
      reason: expect.stringMatching(/raised for the recall floor/),
    });
  });

  it('answers the fixed set exactly once, and again after a write', async () => {
    const { fake, validator, queries, recall } = fixed();
    await settle(validator.validate(change(96, 72, 'latency')));
    await settle(validator.validate(change(72, 54, 'latency')));
    expect(fake.exactQueries).toBe(24);
    // The write moves every true neighbour of the first query away: its truth has to be read again.
    for (const hit of fake.exactHits(queries[0]!, 10))
      fake.upsert(hit.id, new Float32Array(fake.dimensions).fill(50));
    const result = await settle(validator.validate(change(96, 72, 'latency')));
    expect(fake.exactQueries).toBe(48);
    expect(result.before.recall).toBeCloseTo(recall(96), 12);
  });
});

describe('OptimizationValidator, live mode', () => {
  /** An index at `from` with 32 recall samples ready and a search of the page every 20 ms. */
  async function live(from: number, options: ValidatorOptions = {}) {
    const fake = new FakeIndex({ efSearch: from, exactMs: 0 });
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 32 });
    estimator.start();
    const stop = fake.traffic(fake.queries(32), 20);
    await vi.advanceTimersByTimeAsync(700);
    estimator.stop();
    await settle(estimator.fill());
    expect(estimator.ready).toBe(32);
    const validator = new OptimizationValidator(fake, estimator, options);
    return { fake, estimator, validator, stop };
  }

  it('judges by the searches after the change: a step down that loses recall is rejected', async () => {
    const { fake, estimator, validator, stop } = await live(96);
    const at = performance.now();
    fake.efSearch = 24; // as the optimizer would have set it
    const searchesBefore = fake.pageSearches;
    const result = await settle(
      validator.validate(change(96, 24, 'latency', { at, p95BeforeMs: fake.latencyAt(96) })),
    );
    // It waited for 30 searches of the page after the change, and measured them.
    expect(fake.pageSearches - searchesBefore).toBeGreaterThanOrEqual(30);
    expect(result.after.p95Ms).toBe(fake.latencyAt(24));
    expect(result.before.recall).toEqual((await settle(estimator.estimate(96))).recall);
    expect(result.after.recall).toEqual((await settle(estimator.estimate(24))).recall);
    expect(result.before.recall! - result.after.recall!).toBeGreaterThan(0.1);
    expect(result).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/recall fell too far/),
    });
    stop();
  });

  it('keeps a step down that makes the live searches faster and holds recall', async () => {
    const { fake, validator, stop } = await live(96);
    const at = performance.now();
    fake.efSearch = 80;
    const result = await settle(
      validator.validate(change(96, 80, 'latency', { at, p95BeforeMs: fake.latencyAt(96) })),
    );
    expect(result.after.p95Ms).toBe(fake.latencyAt(80));
    expect(result.before.recall! - result.after.recall!).toBeLessThan(0.02);
    expect(result.keep).toBe(true);
    stop();
  });

  it('keeps the change when too few searches come within liveTimeoutMs, after waiting that long', async () => {
    const { fake, validator, stop } = await live(96, { liveTimeoutMs: 5000 });
    stop();
    await vi.advanceTimersByTimeAsync(100); // the searches in flight finish
    const at = performance.now();
    const result = await settle(
      validator.validate(change(96, 24, 'latency', { at, p95BeforeMs: 24 })),
    );
    // Recall is read once the wait is over: the first graph search after the change ends it.
    const waited = fake.approximateCalls.find((c) => c.at >= at)!.at - at;
    expect(waited).toBeGreaterThanOrEqual(5000);
    expect(waited).toBeLessThanOrEqual(5100);
    expect(result.after.p95Ms).toBeNull();
    expect(result).toMatchObject({ keep: true, reason: expect.stringMatching(/too few searches/) });
    expect(fake.setEfSearchCalls).toEqual([]);
  });

  it('stops waiting when its signal aborts', async () => {
    const { fake, validator, stop } = await live(96);
    stop();
    const controller = new AbortController();
    const at = performance.now();
    setTimeout(() => controller.abort(), 1000);
    await settle(validator.validate(change(96, 24, 'latency', { at }), controller.signal));
    const waited = fake.approximateCalls.find((c) => c.at >= at)!.at - at;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThanOrEqual(1100);
  });
});

describe('OptimizationValidator options', () => {
  it('refuses bad options with INVALID_OPTIONS, and a query of the wrong length with DIMENSION_MISMATCH', () => {
    const fake = new FakeIndex({ monitorCapacity: 100 });
    const estimator = new RecallEstimator(fake);
    const [query] = fake.queries(1);
    for (const options of [
      { mode: 'fixed' },
      { mode: 'fixed', queries: [] },
      { mode: 'sometimes' },
      { liveQueries: 0 },
      { liveQueries: 101 },
      { liveTimeoutMs: 0 },
      { liveTimeoutMs: 3_600_001 },
      { k: 0 },
      { rounds: 101 },
      { minImprovement: 1 },
      { recallTolerance: -0.1 },
      { queries: 'abc' },
      { tolerance: 0.1 },
    ])
      expect(() => new OptimizationValidator(fake, estimator, options as never)).toThrow(
        expect.objectContaining({ name: 'VicinityError', code: 'INVALID_OPTIONS' }),
      );
    expect(
      () =>
        new OptimizationValidator(fake, estimator, {
          mode: 'fixed',
          queries: [query!.subarray(0, 4)],
        }),
    ).toThrow(expect.objectContaining({ code: 'DIMENSION_MISMATCH' }));
    expect(() => new OptimizationValidator({} as never, estimator)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('OptimizationValidator, with the optimizer', () => {
  it('a change that loses recall is rolled back, and that value is not tried again for ten cooldowns', async () => {
    const fake = new FakeIndex({ efSearch: 128 });
    const queries = fake.queries(30, 5);
    // Steps of 90 % and no floor: the policy alone goes from 128 to 12; the validator's guard says no.
    const optimizer = new AdaptiveOptimizer(fake, {
      targetP95Ms: 1,
      recallFloor: 0,
      step: 0.9,
      minSamples: 10,
      minRecallSamples: 1,
      cooldownMs: 1000,
      intervalMs: 60_000,
      recall: { sampleEvery: 1 },
      validate: { mode: 'fixed', queries, rounds: 1 },
      cacheBytes: null,
    });
    const events: string[] = [];
    optimizer.onChange((e) => events.push(`${e.type} ${e.decision.outcome}`));
    for (const q of fake.queries(20)) await settle(fake.search(q));
    await settle(optimizer.recall.fill());
    const decision = await settle(optimizer.cycle());
    expect(decision).toMatchObject({
      parameter: 'efSearch',
      from: 128,
      to: 12,
      outcome: 'pending',
    });
    await settle(optimizer.settled());
    expect(fake.setEfSearchCalls).toEqual([12, 128]);
    expect(fake.efSearch).toBe(128);
    expect(events).toEqual(['changed pending', 'validated reverted']);
    const [entry] = optimizer.history();
    expect(entry).toMatchObject({ from: 128, to: 12, outcome: 'reverted' });
    expect(entry!.validation).toMatch(/^reverted: .*recall fell too far/);
    expect(entry!.after!.recall!).toBeCloseTo(fake.knownMeanRecall(queries, 10, 12), 12);

    // Slow as ever, but 12 stays blocked for ten cooldowns (10 s): cycles at 1 s, 2 s, … 9 s hold.
    const revertedAt = performance.now();
    for (let t = 1; t <= 9; t++) {
      await vi.advanceTimersByTimeAsync(revertedAt + t * 1000 - performance.now());
      for (const q of fake.queries(10, t)) await settle(fake.search(q));
      expect(await settle(optimizer.cycle())).toBeNull();
    }
    await vi.advanceTimersByTimeAsync(revertedAt + 10_000 - performance.now());
    for (const q of fake.queries(10, 50)) await settle(fake.search(q));
    expect(await settle(optimizer.cycle())).toMatchObject({ from: 128, to: 12 });
    optimizer.disable();
  });
});
