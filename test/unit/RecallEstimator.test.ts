import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveQuery } from '../../src/client/tuning.js';
import { RecallEstimator } from '../../src/optimizer/RecallEstimator.js';
import { FakeIndex, settle, useFakeClock } from '../support/fakeTunable.js';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const live = (query: Float32Array, k = 10): LiveQuery => ({
  query,
  k,
  filter: undefined,
  efSearch: 64,
  hits: [],
  cached: false,
});

/** The standard error of a share measured over `n` independent outcomes. */
const standardError = (share: number, n: number) => Math.sqrt((share * (1 - share)) / n);

const approximateQueries = (fake: FakeIndex, efSearch?: number) =>
  fake.approximateCalls
    .filter((c) => efSearch === undefined || c.efSearch === efSearch)
    .reduce((sum, c) => sum + c.queries, 0);

describe('RecallEstimator', () => {
  it('samples one live query in sampleEvery, answers it exactly in idle time, and reads recall@k of those samples', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 3, sampleSize: 64 });
    estimator.start();
    const queries = fake.queries(90);
    for (const q of queries) await settle(fake.search(q, { k: 10 }));
    await vi.advanceTimersByTimeAsync(5000); // idle periods for the exact answers still owed
    expect(fake.exactQueries).toBe(30);
    expect(estimator.ready).toBe(30);
    const sampled = queries.filter((_, i) => i % 3 === 0);
    for (const ef of [4, 16, 48]) {
      const estimate = await settle(estimator.estimate(ef));
      expect(estimate.samples).toBe(30);
      expect(estimate.recall).toBeCloseTo(fake.knownMeanRecall(sampled, 10, ef), 12);
    }
    estimator.stop();
  });

  it('estimates the recall of the graph within the standard error of its samples', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 64 });
    for (const q of fake.queries(64)) estimator.offer(live(q));
    await settle(estimator.fill());
    let previous = 0;
    for (const ef of [4, 8, 16, 32, 48]) {
      const { recall, samples } = await settle(estimator.estimate(ef));
      expect(samples).toBe(64);
      const truth = fake.expectedRecall(ef);
      // 640 neighbours, each missed independently: 4 standard errors, and one neighbour's worth.
      expect(Math.abs(recall - truth)).toBeLessThanOrEqual(4 * standardError(truth, 640) + 1 / 640);
      expect(recall).toBeGreaterThan(previous);
      previous = recall;
    }
  });

  it('keeps the newest sampleSize samples', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 10 });
    const queries = fake.queries(40);
    for (const q of queries) estimator.offer(live(q));
    await settle(estimator.fill());
    expect(fake.exactQueries).toBe(10);
    const estimate = await settle(estimator.estimate(12));
    expect(estimate.samples).toBe(10);
    expect(estimate.recall).toBeCloseTo(fake.knownMeanRecall(queries.slice(30), 10, 12), 12);
  });

  it('searches a sample once per efSearch: a repeated estimate costs only the samples new since', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 64 });
    const queries = fake.queries(25);
    for (const q of queries.slice(0, 20)) estimator.offer(live(q));
    await settle(estimator.fill());
    const first = await settle(estimator.estimate(16));
    expect(approximateQueries(fake, 16)).toBe(20);
    expect(await settle(estimator.estimate(16))).toEqual(first);
    expect(approximateQueries(fake, 16)).toBe(20);
    for (const q of queries.slice(20)) estimator.offer(live(q));
    await settle(estimator.fill());
    const second = await settle(estimator.estimate(16));
    expect(approximateQueries(fake, 16)).toBe(25);
    expect(second.samples).toBe(25);
    expect(second.recall).toBeCloseTo(fake.knownMeanRecall(queries, 10, 16), 12);
  });

  it('drops what it knew when the index is written, and computes the exact answers again', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 64 });
    const queries = fake.queries(20);
    for (const q of queries) estimator.offer(live(q));
    await settle(estimator.fill());
    expect((await settle(estimator.estimate(16))).samples).toBe(20);
    const callsBefore = fake.approximateCalls.length;

    // Every true neighbour of every sample moves far away: answers against the old
    // exact neighbours would find none of them.
    const oldTruth = new Set(queries.flatMap((q) => fake.exactHits(q, 10).map((h) => h.id)));
    for (const id of oldTruth) fake.upsert(id, new Float32Array(fake.dimensions).fill(50));
    expect(estimator.ready).toBe(0);
    expect(await settle(estimator.estimate(16))).toEqual({ recall: 1, samples: 0 });
    expect(await settle(estimator.estimate(24))).toEqual({ recall: 1, samples: 0 });
    expect(fake.approximateCalls.length).toBe(callsBefore); // stale samples are not searched

    await settle(estimator.fill());
    expect(fake.exactQueries).toBe(40);
    expect(estimator.ready).toBe(20);
    const after = await settle(estimator.estimate(16));
    expect(after.samples).toBe(20);
    expect(after.recall).toBeCloseTo(fake.knownMeanRecall(queries, 10, 16), 12);
    expect(after.recall).toBeGreaterThan(0.5);
  });

  it('recomputes stale answers in idle time once live queries come in again', async () => {
    const fake = new FakeIndex();
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, sampleSize: 8 });
    estimator.start();
    const queries = fake.queries(8);
    for (const q of queries) await settle(fake.search(q));
    await vi.advanceTimersByTimeAsync(2000);
    expect(estimator.ready).toBe(8);
    fake.upsert('extra', queries[0]!);
    expect(estimator.ready).toBe(0);
    await settle(fake.search(queries[1]!)); // a new sample, and the idle work starts again
    await vi.advanceTimersByTimeAsync(5000);
    expect(estimator.ready).toBe(8);
    expect(fake.exactQueries).toBe(8 + 8 + 1);
    estimator.stop();
  });

  it('spends at most maxShare of the time on exact answers', async () => {
    const fake = new FakeIndex({ exactMs: 10 });
    const estimator = new RecallEstimator(fake, {
      sampleEvery: 1,
      sampleSize: 100,
      maxShare: 0.25,
    });
    estimator.start();
    for (const q of fake.queries(50)) estimator.offer(live(q));
    await vi.advanceTimersByTimeAsync(1000);
    // Each takes 10 ms of a 1,000 ms window: a quarter of it is 25 of them (26 with the first at 0).
    expect(fake.exactQueries).toBeLessThanOrEqual(26);
    expect(fake.exactQueries).toBeGreaterThanOrEqual(20);
    await vi.advanceTimersByTimeAsync(2000);
    expect(estimator.ready).toBe(50);
    estimator.stop();
  });

  it('stops: no more samples, no idle work left scheduled', async () => {
    const fake = new FakeIndex({ exactMs: 10 });
    const estimator = new RecallEstimator(fake, { sampleEvery: 1, maxShare: 0.1 });
    estimator.start();
    expect(fake.listenerCount).toBe(1);
    const queries = fake.queries(20);
    for (const q of queries.slice(0, 10)) await settle(fake.search(q));
    await vi.advanceTimersByTimeAsync(15);
    const done = fake.exactQueries;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(10);
    estimator.stop();
    expect(fake.listenerCount).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
    for (const q of queries.slice(10)) await settle(fake.search(q));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.exactQueries).toBe(done);
  });

  it('refuses bad options and a non-index with INVALID_OPTIONS', () => {
    const fake = new FakeIndex();
    for (const options of [
      { sampleEvery: 0 },
      { sampleEvery: 1.5 },
      { sampleSize: 0 },
      { sampleSize: 10_001 },
      { maxShare: 0 },
      { maxShare: 1.5 },
      { maxShare: Number.NaN },
      { sampleRate: 2 },
    ])
      expect(() => new RecallEstimator(fake, options as never)).toThrow(
        expect.objectContaining({ name: 'VicinityError', code: 'INVALID_OPTIONS' }),
      );
    expect(() => new RecallEstimator({} as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
