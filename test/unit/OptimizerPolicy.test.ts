import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimizerPolicy, type Observation } from '../../src/optimizer/OptimizerPolicy.js';
import type { RecallEstimate } from '../../src/optimizer/RecallEstimator.js';

const seen = (
  efSearch: number,
  p95Ms: number | null,
  extra: Partial<Observation> = {},
): Observation => ({
  efSearch,
  p95Ms,
  hitRate: null,
  cacheMaxBytes: null,
  ...extra,
});
const recall = (value: number, samples = 20): RecallEstimate => ({ recall: value, samples });

/**
 * Runs the policy against a model device: p95 = a·ef + b ms, recall(ef) =
 * 1 − exp(−ef/τ); one cycle per second on a fake clock.
 */
function simulate(
  policy: OptimizerPolicy,
  model: { a: number; b: number; tau: number },
  start: number,
  cycles: number,
) {
  let ef = start;
  const path: number[] = [ef];
  const recallAt = (e: number) => recall(1 - Math.exp(-e / model.tau));
  for (let t = 1; t <= cycles; t++) {
    const now = t * 1000;
    const obs = seen(ef, model.a * ef + model.b);
    const candidate = policy.candidate(now, obs);
    const d = policy.decideEf(
      now,
      obs,
      candidate,
      recallAt(ef),
      candidate === null ? null : recallAt(candidate),
    );
    if (d.action === 'set') ef = d.to;
    path.push(ef);
  }
  return { ef, path, recall: recallAt(ef).recall, p95: model.a * ef + model.b };
}

describe('OptimizerPolicy', () => {
  it('lowers efSearch while p95 is over the target, one step per cooldown', () => {
    const policy = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 5000 });
    const obs = seen(64, 20);
    expect(policy.candidate(0, obs)).toBe(48);
    const first = policy.decideEf(0, obs, 48, recall(0.99), recall(0.98));
    expect(first).toMatchObject({ action: 'set', from: 64, to: 48, goal: 'latency' });
    // Within the cooldown nothing moves, however slow.
    expect(policy.candidate(4999, seen(48, 20))).toBeNull();
    expect(policy.decideEf(4999, seen(48, 20), null, null, null).action).toBe('hold');
    expect(policy.candidate(5000, seen(48, 20))).toBe(36);
  });

  it('never lowers below what keeps recall at the floor, and says the target is out of reach', () => {
    const policy = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 0, recallFloor: 0.95 });
    const d = policy.decideEf(0, seen(32, 20), 24, recall(0.97), recall(0.93));
    expect(d.action).toBe('hold');
    expect(policy.floor.unreachable).toBe(true);
    expect(policy.floor.reason).toMatch(/too close to the floor 95.0 %/);
    // Too few recall samples: it waits rather than guess.
    const waiting = policy.decideEf(1, seen(32, 20), 24, recall(0.97), recall(0.99, 3));
    expect(waiting).toMatchObject({
      action: 'hold',
      reason: expect.stringMatching(/waiting for recall samples/),
    });
    // Back under the target: the alert condition clears.
    policy.decideEf(2, seen(32, 8), null, recall(0.97), null);
    expect(policy.floor.unreachable).toBe(false);
  });

  it('raises efSearch when recall is under the floor, whatever the latency', () => {
    const policy = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 0 });
    const d = policy.decideEf(0, seen(24, 50), 18, recall(0.9), recall(0.85));
    expect(d).toMatchObject({ action: 'set', from: 24, to: 32, goal: 'recall' });
  });

  it('raises only well under the target, and holds inside the band (no swing)', () => {
    const policy = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 0, headroom: 0.5 });
    expect(policy.candidate(0, seen(32, 4.9))).toBe(43);
    expect(policy.decideEf(0, seen(32, 4.9), 43, recall(0.97), recall(0.98))).toMatchObject({
      goal: 'headroom',
      to: 43,
    });
    expect(policy.candidate(1, seen(43, 7))).toBeNull();
    expect(policy.decideEf(1, seen(43, 7), null, recall(0.98), null).action).toBe('hold');
  });

  it('does not try a reverted value again for ten cooldowns: a step down skips it', () => {
    const policy = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 1000, minEfSearch: 27 });
    policy.reverted(0, 48);
    // Over the target, the step past the reverted value is tried instead.
    expect(policy.candidate(1000, seen(64, 20))).toBe(36);
    expect(policy.decideEf(1000, seen(64, 20), 36, recall(0.99), recall(0.98))).toMatchObject({
      action: 'set',
      to: 36,
    });
    // Every lower value reverted: nothing to try.
    policy.reverted(1000, 36);
    policy.reverted(1000, 27);
    expect(policy.candidate(2000, seen(64, 20))).toBeNull();
    expect(policy.decideEf(2000, seen(64, 20), null, recall(0.99), null)).toMatchObject({
      action: 'hold',
      reason: expect.stringMatching(/reverted recently/),
    });
    // One undone because recall fell is not passed: lower would lose more.
    const strict = new OptimizerPolicy({ targetP95Ms: 10, cooldownMs: 1000 });
    strict.reverted(0, 48, true);
    expect(strict.candidate(1000, seen(64, 20))).toBeNull();
    // A raise is not moved past a reverted value.
    policy.reverted(2000, 86);
    expect(policy.candidate(3000, seen(64, 1))).toBeNull();
    expect(policy.candidate(10_000, seen(64, 20))).toBe(48);
    expect(policy.candidate(12_000, seen(64, 1))).toBe(86);
  });

  it('sizes the cache by its hit rate within bounds, with a cooldown', () => {
    const policy = new OptimizerPolicy({ cooldownMs: 1000, cacheBytes: { min: 1024, max: 4096 } });
    expect(policy.decideCache(0, seen(64, 1, { hitRate: 0.3, cacheMaxBytes: 2048 }))).toMatchObject(
      { from: 2048, to: 3072 },
    );
    expect(policy.decideCache(500, seen(64, 1, { hitRate: 0.3, cacheMaxBytes: 3072 })).action).toBe(
      'hold',
    );
    expect(
      policy.decideCache(1000, seen(64, 1, { hitRate: 0.3, cacheMaxBytes: 3072 })),
    ).toMatchObject({ to: 4096 });
    expect(
      policy.decideCache(2000, seen(64, 1, { hitRate: 0.95, cacheMaxBytes: 1100 })),
    ).toMatchObject({ to: 1024 });
    expect(
      policy.decideCache(3000, seen(64, 1, { hitRate: 0.7, cacheMaxBytes: 2048 })).action,
    ).toBe('hold');
  });

  it('on any device model: settles, never leaves recall under the floor, meets the target when it can', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 2, noNaN: true }), // ms per unit of ef
        fc.double({ min: 0, max: 5, noNaN: true }), // fixed cost
        fc.double({ min: 2, max: 40, noNaN: true }), // recall scale τ
        fc.constantFrom(16, 64, 256),
        (a, b, tau, start) => {
          const target = 20;
          const policy = new OptimizerPolicy({
            targetP95Ms: target,
            cooldownMs: 0,
            recallFloor: 0.95,
            minEfSearch: 4,
          });
          // The smallest ef it may go down to: recall ≥ floor + margin (0.96).
          const floorEf = Math.ceil(-tau * Math.log(0.04));
          const run = simulate(policy, { a, b, tau }, start, 200);
          // Settled: the last 50 cycles change nothing.
          expect(new Set(run.path.slice(-50)).size).toBe(1);
          // Recall at or above the floor once settled (a start under it is raised).
          expect(run.recall).toBeGreaterThanOrEqual(0.95 - 1e-12);
          if (run.p95 > target) {
            // Only where going lower would break the floor, or at the smallest ef.
            expect(policy.lower(run.ef) < floorEf || run.ef === 4).toBe(true);
            expect(policy.floor.unreachable).toBe(true);
          }
        },
      ),
    );
  });
});
