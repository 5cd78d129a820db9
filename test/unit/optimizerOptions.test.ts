import { describe, expect, it } from 'vitest';
import { validatorOptions } from '../../src/optimizer/OptimizationValidator.js';
import { ADAPTIVE_LIMITS, optimizerOptions } from '../../src/optimizer/optimizerOptions.js';
import {
  OPTIMIZER_DEFAULTS,
  OPTIMIZER_LIMITS,
  OptimizerPolicy,
} from '../../src/optimizer/OptimizerPolicy.js';
import { recallOptions } from '../../src/optimizer/RecallEstimator.js';

const index = { dimensions: 3, metric: 'l2' as const, monitorCapacity: 1000 };
const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
};
/** Each case with its outcome, so that a failure names the option. */
const outcomes = (cases: unknown[], run: (options: unknown) => unknown) =>
  cases.map((options) => [options, codeOf(() => run(options))]);
const all = (cases: unknown[], code: string) => cases.map((options) => [options, code]);

describe('optimizer settings (OptimizerPolicy)', () => {
  it('takes the defaults, and each setting at the ends of its range', () => {
    expect(new OptimizerPolicy().settings).toEqual(OPTIMIZER_DEFAULTS);
    const edges = [
      { targetP95Ms: 0.001 },
      { targetP95Ms: OPTIMIZER_LIMITS.targetP95Ms },
      { recallFloor: 0 },
      { recallFloor: 1 },
      { recallMargin: 0 },
      { minEfSearch: 1, maxEfSearch: 1 },
      { minEfSearch: 8, maxEfSearch: OPTIMIZER_LIMITS.efSearch },
      { step: 0.9 },
      { headroom: 0.1 },
      { cooldownMs: 0 },
      { cooldownMs: OPTIMIZER_LIMITS.cooldownMs },
      { minSamples: 1 },
      { minRecallSamples: 1 },
      { cacheBytes: null },
      { cacheBytes: { min: 1024, max: 1024 } },
      { cacheBytes: { min: 1024, max: 2 ** 31 - 1 } },
    ];
    expect(outcomes(edges, (o) => new OptimizerPolicy(o as never))).toEqual(all(edges, 'accepted'));
  });

  it('refuses unknown, mistyped, negative and out-of-range settings with INVALID_OPTIONS', () => {
    const bad = [
      null,
      5,
      { targetP95MS: 50 },
      { targetP95Ms: '50' },
      { targetP95Ms: 0 },
      { targetP95Ms: -1 },
      { targetP95Ms: Infinity },
      { targetP95Ms: OPTIMIZER_LIMITS.targetP95Ms + 1 },
      { recallFloor: -0.1 },
      { recallFloor: 1.1 },
      { recallFloor: Number.NaN },
      { recallMargin: 1 },
      { recallMargin: -0.01 },
      { minEfSearch: 0 },
      { minEfSearch: 2.5 },
      { minEfSearch: -8 },
      { maxEfSearch: OPTIMIZER_LIMITS.efSearch + 1 },
      { minEfSearch: 64, maxEfSearch: 32 },
      { minEfSearch: 600 }, // over the default maxEfSearch
      { step: 0 },
      { step: 1 },
      { headroom: 0 },
      { headroom: 1 },
      { cooldownMs: -1 },
      { cooldownMs: OPTIMIZER_LIMITS.cooldownMs + 1 },
      { minSamples: 0 },
      { minSamples: OPTIMIZER_LIMITS.minSamples + 1 },
      { minRecallSamples: -1 },
      { cacheBytes: { min: 1000, max: 4000 } },
      { cacheBytes: { min: 4096, max: 2048 } },
      { cacheBytes: { min: 4096 } },
      { cacheBytes: { min: 1024, max: 4096, step: 2 } },
      { cacheBytes: 1 << 20 },
      { cacheBytes: false },
    ];
    expect(outcomes(bad, (o) => new OptimizerPolicy(o as never))).toEqual(
      all(bad, 'INVALID_OPTIONS'),
    );
  });
});

describe('AdaptiveOptimizer options', () => {
  it('resolves the defaults', () => {
    expect(optimizerOptions(undefined, index)).toMatchObject({
      settings: OPTIMIZER_DEFAULTS,
      recall: { sampleEvery: 50, sampleSize: 64, maxShare: 0.05 },
      validate: { mode: 'live', liveQueries: 30 },
      intervalMs: 5000,
      everyQueries: 0,
      historySize: 100,
      enabled: true,
    });
    expect(optimizerOptions({ validate: false, enabled: false }, index)).toMatchObject({
      validate: false,
      enabled: false,
    });
  });

  it('refuses each bad or unknown option with INVALID_OPTIONS', () => {
    const bad = [
      'fast',
      { intervalMS: 100 },
      { intervalMs: 0 },
      { intervalMs: -5000 },
      { intervalMs: 9 },
      { intervalMs: ADAPTIVE_LIMITS.intervalMs.max + 1 },
      { intervalMs: Infinity },
      { everyQueries: -1 },
      { everyQueries: 0.5 },
      { everyQueries: ADAPTIVE_LIMITS.everyQueries + 1 },
      { historySize: 0 },
      { historySize: -100 },
      { historySize: ADAPTIVE_LIMITS.historySize + 1 },
      { enabled: 'yes' },
      { recall: 50 },
      { recall: { sampleEvery: 0 } },
      { recall: { sampleEvery: -50 } },
      { recall: { sampleSize: 0 } },
      { recall: { sampleSize: 10_001 } },
      { recall: { maxShare: 0 } },
      { recall: { maxShare: 1.5 } },
      { recall: { samples: 10 } },
      { validate: true },
      { validate: null },
      { validate: { mode: 'sometimes' } },
      { validate: { liveQueries: 0 } },
      { validate: { liveQueries: 1001 } }, // over the monitor's capacity
      { validate: { liveTimeoutMs: -1 } },
      { validate: { mode: 'fixed' } },
      { validate: { mode: 'fixed', queries: [] } },
      { validate: { mode: 'fixed', queries: [[1, 0, 0]], rounds: 0 } },
      { validate: { mode: 'fixed', queries: [[1, 0, 0]], k: 0 } },
      { validate: { mode: 'fixed', queries: [''] } },
      { validate: { minImprovement: 1 } },
      { validate: { recallTolerance: -0.1 } },
      { validate: { query: [] } },
      { minSamples: 1001 }, // over the monitor's capacity
      { minRecallSamples: 65 }, // over recall.sampleSize
      { recall: { sampleSize: 4 } }, // under the default minRecallSamples, 8
      { targetP95Ms: -50 },
    ];
    expect(outcomes(bad, (o) => optimizerOptions(o, index))).toEqual(all(bad, 'INVALID_OPTIONS'));
  });

  it("checks the validator's fixed queries against the index", () => {
    const run = (queries: unknown[]) => () => validatorOptions({ mode: 'fixed', queries }, index);
    expect(codeOf(run([[1, 0]]))).toBe('DIMENSION_MISMATCH');
    expect(codeOf(run([[1, Number.NaN, 0]]))).toBe('INVALID_VECTOR');
    expect(codeOf(run([[1, 0, 0], 'some text']))).toBe('accepted');
    expect(codeOf(run(Array(10_001).fill('q')))).toBe('INVALID_OPTIONS');
    // A checked copy: the caller's array may change afterwards.
    const vector = [1, 0, 0];
    const resolved = validatorOptions({ mode: 'fixed', queries: [vector] }, index);
    vector[0] = 5;
    expect(resolved.queries[0]).toEqual(new Float32Array([1, 0, 0]));
  });

  it('recall options alone: defaults and bounds', () => {
    expect(recallOptions(undefined)).toEqual({ sampleEvery: 50, sampleSize: 64, maxShare: 0.05 });
    expect(codeOf(() => recallOptions({ sampleEvery: 1.5 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => recallOptions({ maxShare: 1 }))).toBe('accepted');
  });
});
