import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserSteps } from '../../src/loadtest/UserSteps.js';
import { capacityPlan } from '../../src/loadtest/capacityPlan.js';

/** Runs the steps against a device that holds the target up to `limit` users. */
function walk(from: number, to: number, refinements: number, limit: number): number[] {
  const steps = new UserSteps(from, to, refinements);
  const tried: number[] = [];
  for (let users = steps.next(); users !== null; users = steps.next()) {
    tried.push(users);
    steps.report(users, users <= limit);
    if (tried.length > 100) throw new Error('does not end');
  }
  return tried;
}

describe('UserSteps', () => {
  it('doubles until a step misses, then narrows the gap', () => {
    expect(walk(1, 64, 3, 12)).toEqual([1, 2, 4, 8, 16, 12, 14, 13]);
    expect(walk(1, 64, 0, 12)).toEqual([1, 2, 4, 8, 16]);
    // Everything holds: it ends at `to`, which it tries even off the doubling.
    expect(walk(3, 20, 3, 1000)).toEqual([3, 6, 12, 20]);
    // The first step misses: nothing below it is tried.
    expect(walk(4, 64, 3, 2)).toEqual([4]);
  });

  it('finds the exact limit of a monotone device when refinements suffice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 1100 }),
        fc.integer({ min: 1, max: 1024 }),
        (from, limit, span) => {
          const to = Math.min(1024, from + span);
          const tried = walk(from, to, 10, limit);
          const steps = new UserSteps(from, to, 10);
          const held = tried.filter((u) => u <= limit);
          const best = held.length ? Math.max(...held) : null;
          const expected = limit < from ? null : Math.min(limit, to);
          expect(best).toBe(expected);
          expect(tried.every((u) => u >= from && u <= to)).toBe(true);
          expect(new Set(tried).size).toBe(tried.length);
          expect(steps.next()).toBe(from);
        },
      ),
    );
  });
});

describe('capacityPlan', () => {
  const index = { dimensions: 2, metric: 'l2' as const };
  const queries = [[0, 1]];
  const code = (options: unknown) => {
    try {
      capacityPlan(options, index);
      return 'accepted';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('checks its own options and those of every step before the first', () => {
    expect(code({ queries, targetP95Ms: 5 })).toBe('accepted');
    expect(code({ queries })).toBe('INVALID_OPTIONS');
    expect(code({ queries, targetP95Ms: 0 })).toBe('INVALID_OPTIONS');
    expect(code({ queries, targetP95Ms: 5, users: { from: 8, to: 4 } })).toBe('INVALID_OPTIONS');
    expect(code({ queries, targetP95Ms: 5, users: { from: 1, max: 4 } })).toBe('INVALID_OPTIONS');
    expect(code({ queries, targetP95Ms: 5, stepMs: 10 })).toBe('INVALID_OPTIONS');
    // Set by each step, so not an option of the whole test.
    expect(code({ queries, targetP95Ms: 5, durationMs: 1000 })).toBe('INVALID_OPTIONS');
    expect(code({ queries, targetP95Ms: 5, users: 4 })).toBe('INVALID_OPTIONS');
    // A step's own checks, with their codes.
    expect(code({ queries: [[0, 1, 2]], targetP95Ms: 5 })).toBe('DIMENSION_MISMATCH');
    expect(code({ queries, targetP95Ms: 5, search: { k: 0 } })).toBe('INVALID_K');
    expect(code({ queries, targetP95Ms: 5, cache: 'never' })).toBe('INVALID_OPTIONS');
    expect(code('fast')).toBe('INVALID_OPTIONS');
  });
});
