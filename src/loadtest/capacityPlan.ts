import { OptionReader } from '../optimizer/OptionReader.js';
import type { Metric } from '../core/types.js';
import { LOAD_TEST_KEYS, loadTestPlan, type LoadTestOptions } from './loadTestPlan.js';
import { UserSteps } from './UserSteps.js';

/** One step of a capacity test: a load test at a fixed number of users. */
export interface CapacityStep {
  readonly users: number;
  readonly requests: number;
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** p95 at or under the target, and no failed search. */
  readonly held: boolean;
}

/**
 * Options of a capacity test: those of a load test that are the same at
 * every step, and how the users are stepped. Checked before the first step.
 */
export interface CapacityOptions extends Omit<
  LoadTestOptions,
  'users' | 'durationMs' | 'requests' | 'rampUpMs' | 'onProgress' | 'progressEveryMs'
> {
  /** The p95 latency a step must hold, ms: over 0, at most 60,000. */
  readonly targetP95Ms: number;
  /** Users of the first step and the most that are tried, 1 to 1,024. @default { from: 1, to: 64 } */
  readonly users?: { readonly from?: number; readonly to?: number };
  /** How long each step runs, ms, 100 to 600,000. @default 2000 */
  readonly stepMs?: number;
  /** Steps that halve the gap between the most users that held and the fewest that missed, 0 to 10. @default 3 */
  readonly refinements?: number;
  /** Called after each step. */
  readonly onStep?: (step: CapacityStep) => void;
}

export interface CapacityResult {
  readonly targetP95Ms: number;
  /** In the order they ran. */
  readonly steps: readonly CapacityStep[];
  /** The step with the highest throughput that held the target; null when none did. */
  readonly knee: CapacityStep | null;
  /** 'crossed': a step missed the target; 'max-users': every step up to `users.to` held. */
  readonly stopped: 'crossed' | 'max-users' | 'aborted';
}

const OWN = ['targetP95Ms', 'users', 'stepMs', 'refinements', 'onStep'] as const;
/** A capacity test sets these itself, step by step. */
const STEPPED: readonly string[] = [
  'users',
  'durationMs',
  'requests',
  'rampUpMs',
  'onProgress',
  'progressEveryMs',
];
/** The options passed on to every step's load test. */
const PASSED = LOAD_TEST_KEYS.filter((key) => !STEPPED.includes(key));

/** What a capacity test needs, checked. */
export interface CapacityPlan {
  readonly targetP95Ms: number;
  readonly stepMs: number;
  readonly steps: UserSteps;
  readonly onStep: ((step: CapacityStep) => void) | undefined;
  /** The options of every step's load test, but `users` and `durationMs`. */
  readonly run: Omit<LoadTestOptions, 'users' | 'durationMs'>;
}

/**
 * Checks a capacity test's options, its own and those it passes to every
 * step (as a load test checks them), before the first step: INVALID_OPTIONS
 * for an unknown key or a value out of range, a load test's codes for the rest.
 */
export function capacityPlan(
  options: unknown,
  index: { readonly dimensions: number; readonly metric: Metric },
): CapacityPlan {
  const read = OptionReader.of(options, '', [...OWN, ...PASSED]);
  const run: Record<string, unknown> = {};
  for (const key of PASSED) if (read.has(key)) run[key] = read.raw(key);
  if (!read.has('targetP95Ms')) read.fail('targetP95Ms', 'is needed');
  const targetP95Ms = read.number('targetP95Ms', { min: 0, max: 60_000, aboveMin: true }, 0);
  const users = OptionReader.of(read.raw('users'), 'users.', ['from', 'to']);
  const from = users.integer('from', 1, 1024, 1);
  const to = users.integer('to', from, 1024, Math.max(from, 64));
  const stepMs = read.number('stepMs', { min: 100, max: 600_000 }, 2000);
  const refinements = read.integer('refinements', 0, 10, 3);
  // Every step's load test, checked now as the first step would check it.
  loadTestPlan({ ...run, users: from, durationMs: stepMs }, index);
  return {
    targetP95Ms,
    stepMs,
    steps: new UserSteps(from, to, refinements),
    onStep: read.callback<(step: CapacityStep) => void>('onStep'),
    run: run as CapacityPlan['run'],
  };
}
