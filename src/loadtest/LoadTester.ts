import type { TuningPort } from '../client/tuning.js';
import type { Tunable } from '../client/tuning.js';
import { toVicinityError } from '../core/VicinityError.js';
import type { Percentiles } from '../monitor/operations.js';
import type { Metric } from '../core/types.js';
import { tuningPort } from '../optimizer/tuningPort.js';
import { nextTask } from '../util/nextTask.js';
import { seededRandom } from '../util/seededRandom.js';
import { sleep } from '../util/sleep.js';
import {
  capacityPlan,
  type CapacityOptions,
  type CapacityResult,
  type CapacityStep,
} from './capacityPlan.js';
import { loadTestPlan, type LoadTestOptions, type LoadTestProgress } from './loadTestPlan.js';
import { RunningHistogram } from './RunningHistogram.js';

export type { CapacityOptions, CapacityResult, CapacityStep, LoadTestOptions, LoadTestProgress };

export interface LoadTestSecond {
  /** Seconds since the start. */
  readonly second: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface LoadTestResult {
  readonly users: number;
  readonly requests: number;
  readonly errors: number;
  /** Failures by VicinityError code. */
  readonly errorCodes: Readonly<Record<string, number>>;
  /** 'bypassed': every search measured the index; 'used': the query cache answered what it could. */
  readonly cache: 'bypassed' | 'used';
  /** Searches the query cache answered (0 when it was bypassed). */
  readonly cacheHits: number;
  /** cacheHits of requests, 0 to 1: above a few percent, latencies describe the cache more than the index. */
  readonly cacheHitRate: number;
  readonly durationMs: number;
  readonly requestsPerSecond: number;
  /** Of every search, failed ones included: what the virtual users waited (within 1 %; max exact). */
  readonly latencyMs: Percentiles & { readonly mean: number };
  readonly timeline: readonly LoadTestSecond[];
  /** Why it ended. */
  readonly stopped: 'duration' | 'requests' | 'aborted';
}

/**
 * Drives an index with virtual users, in the page, as the page's own users
 * would: searches of chosen queries and their variants, with think time and
 * ramp-up. Its searches are recorded in the index's monitor as `loadtest`,
 * apart from real use, and go past the query cache unless `cache: 'use'`. The users yield to the page at least every few
 * milliseconds, so that the test itself makes no long task even when the
 * query cache answers without a round trip.
 */
export class LoadTester {
  readonly #port: TuningPort;
  readonly #index: { readonly dimensions: number; readonly metric: Metric };

  constructor(index: Tunable) {
    this.#port = tuningPort(index);
    this.#index = { dimensions: this.#port.dimensions, metric: this.#port.metric };
  }

  /**
   * Runs a load test. Its options are checked first, all of them: a bad one
   * fails the run before any search (see loadTestPlan for the codes).
   */
  async run(options: LoadTestOptions): Promise<LoadTestResult> {
    const plan = loadTestPlan(options, this.#index);
    const port = this.#port;
    const random = seededRandom(plan.seed);
    const { pool, signal, onProgress } = plan;
    const started = performance.now();
    // Latencies go into histograms, not a list: figures of hundreds of thousands of
    // searches then cost nothing to read, at the end or while the test runs.
    const histogram = new RunningHistogram(1.01);
    const seconds: { requests: number; errors: number; latencies: RunningHistogram }[] = [];
    const errorCodes: Record<string, number> = {};
    let issued = 0;
    let errors = 0;
    let cacheHits = 0;
    let active = 0;
    let stopped: LoadTestResult['stopped'] | null = null;
    const stop = (why: LoadTestResult['stopped']) => (stopped ??= why);
    const onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) stop('aborted');
    const progress = (): LoadTestProgress => {
      const elapsedMs = performance.now() - started;
      return {
        elapsedMs,
        done: histogram.count,
        errors,
        activeUsers: active,
        requestsPerSecond: histogram.count / Math.max(elapsedMs / 1000, 1e-3),
        p95Ms: histogram.quantile(0.95),
      };
    };
    const reporter = onProgress && setInterval(() => onProgress(progress()), plan.progressEveryMs);
    const deadline = started + plan.durationMs;
    // Start of the page's current slice of time: past 4 ms, every user gives the page its turn.
    let sliceStart = performance.now();

    const user = async (u: number) => {
      if (plan.rampUpMs > 0) await sleep((plan.rampUpMs * u) / plan.users, signal);
      active++;
      try {
        while (stopped === null) {
          if (performance.now() >= deadline) {
            stop('duration');
            break;
          }
          if (plan.requests !== undefined && issued >= plan.requests) {
            stop('requests');
            break;
          }
          issued++;
          // Made now, not before the test: a pool of a million variants costs nothing.
          const query = pool.pick(random);
          const t0 = performance.now();
          let failed = false;
          try {
            const hits = await port.loadTestSearch(query, plan.search, plan.useCache);
            if (hits.cached) cacheHits++;
          } catch (error) {
            failed = true;
            errors++;
            const code = toVicinityError(error, 'ENGINE_ERROR').code;
            errorCodes[code] = (errorCodes[code] ?? 0) + 1;
          }
          const t1 = performance.now();
          const ms = t1 - t0;
          histogram.add(ms);
          const second = Math.floor((t1 - started) / 1000);
          for (let s = seconds.length; s <= second; s++)
            seconds.push({ requests: 0, errors: 0, latencies: new RunningHistogram() });
          const bucket = seconds[second] as (typeof seconds)[number];
          bucket.requests++;
          if (failed) bucket.errors++;
          bucket.latencies.add(ms);
          const think = plan.thinkMin + random() * (plan.thinkMax - plan.thinkMin);
          if (think > 0) {
            await sleep(think, signal);
          } else if (performance.now() - sliceStart > 4) {
            // Answers from the cache come back in microtasks, so the users could keep
            // the page's task running: each of them waits for a task of its own.
            await nextTask();
            sliceStart = performance.now();
          }
        }
      } finally {
        active--;
      }
    };

    try {
      await Promise.all(Array.from({ length: plan.users }, (_, u) => user(u)));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (reporter !== undefined) clearInterval(reporter);
    }
    onProgress?.(progress());
    const durationMs = performance.now() - started;
    return {
      users: plan.users,
      requests: histogram.count,
      errors,
      errorCodes,
      cache: plan.useCache ? 'used' : 'bypassed',
      cacheHits,
      cacheHitRate: histogram.count === 0 ? 0 : cacheHits / histogram.count,
      durationMs,
      requestsPerSecond: histogram.count / Math.max(durationMs / 1000, 1e-3),
      latencyMs: {
        p50: histogram.quantile(0.5),
        p95: histogram.quantile(0.95),
        p99: histogram.quantile(0.99),
        max: histogram.max,
        mean: histogram.mean,
      },
      timeline: seconds.map((s, second) => ({
        second,
        requests: s.requests,
        errors: s.errors,
        p50Ms: s.latencies.count ? s.latencies.quantile(0.5) : null,
        p95Ms: s.latencies.count ? s.latencies.quantile(0.95) : null,
      })),
      stopped: stopped ?? 'duration',
    };
  }

  /**
   * Finds this device's capacity for the index: load tests of `stepMs` each
   * at 1, 2, 4, … users (`users.from` to `users.to`) until one's p95 misses
   * `targetP95Ms` or a search fails, then a few steps between the most users
   * that held and the fewest that missed. The knee is the step with the
   * highest throughput that held. Every option is checked before the first
   * step (see capacityPlan).
   */
  async findCapacity(options: CapacityOptions): Promise<CapacityResult> {
    const plan = capacityPlan(options, this.#index);
    const steps: CapacityStep[] = [];
    let users: number | null;
    while ((users = plan.steps.next()) !== null) {
      const result = await this.run({ ...plan.run, users, durationMs: plan.stepMs });
      if (result.stopped === 'aborted') break;
      const step: CapacityStep = {
        users,
        requests: result.requests,
        errors: result.errors,
        requestsPerSecond: result.requestsPerSecond,
        p50Ms: result.latencyMs.p50,
        p95Ms: result.latencyMs.p95,
        held: result.errors === 0 && result.latencyMs.p95 <= plan.targetP95Ms,
      };
      steps.push(step);
      plan.steps.report(users, step.held);
      plan.onStep?.(step);
    }
    const knee = steps
      .filter((step) => step.held)
      .reduce<CapacityStep | null>(
        (best, step) => (best && best.requestsPerSecond >= step.requestsPerSecond ? best : step),
        null,
      );
    return {
      targetP95Ms: plan.targetP95Ms,
      steps,
      knee,
      stopped: users !== null ? 'aborted' : plan.steps.crossed ? 'crossed' : 'max-users',
    };
  }
}
