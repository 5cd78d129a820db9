import type { TuningPort } from '../client/tuning.js';
import type { Tunable } from '../client/tuning.js';
import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import { percentiles } from '../monitor/PerformanceMonitor.js';
import { searchHitRate, uncachedSearchLatencies } from './observe.js';
import { OptimizationValidator } from './OptimizationValidator.js';
import { optimizerOptions, type AdaptiveOptimizerOptions } from './optimizerOptions.js';
import {
  OptimizerPolicy,
  type Decision,
  type EfGoal,
  type Observation,
} from './OptimizerPolicy.js';
import { RecallEstimator, type RecallEstimate } from './RecallEstimator.js';
import { tuningPort } from './tuningPort.js';
import type { DecisionMetrics, OptimizerDecision, OptimizerHistorySource } from './types.js';

export type { AdaptiveOptimizerOptions };

export interface OptimizerChangeEvent {
  /** `changed`: a new decision; `validated`: a decision's outcome. */
  readonly type: 'changed' | 'validated';
  readonly decision: OptimizerDecision;
}

/**
 * Tunes efSearch from the latency measured on this device, never below what
 * keeps the estimated recall at the floor, and sizes the query cache by its
 * hit rate. Each cycle reads the monitor (uncached single searches since the
 * last change), asks the recall estimator at the value it would move to, and
 * lets `OptimizerPolicy` decide; a change is then validated and kept or
 * reverted. Every decision, with its reason and figures, is in `history()`.
 */
export class AdaptiveOptimizer implements OptimizerHistorySource {
  readonly policy: OptimizerPolicy;
  readonly recall: RecallEstimator;
  readonly #port: TuningPort;
  readonly #validator: OptimizationValidator | null;
  readonly #intervalMs: number;
  readonly #everyQueries: number;
  readonly #historySize: number;
  #history: OptimizerDecision[] = [];
  readonly #listeners = new Set<(event: OptimizerChangeEvent) => void>();
  #enabled = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => void) | undefined;
  #queriesSinceCycle = 0;
  #cycling: Promise<OptimizerDecision | null> | null = null;
  #validating: AbortController | null = null;
  /** The validation under way, for `settled()`. */
  #validation: Promise<void> | null = null;
  #lastError: VicinityError | null = null;

  /** Checks every option first (see optimizerOptions): a bad one fails, and nothing starts. */
  constructor(index: Tunable, options: AdaptiveOptimizerOptions = {}) {
    this.#port = tuningPort(index);
    const o = optimizerOptions(options, {
      dimensions: this.#port.dimensions,
      metric: this.#port.metric,
      monitorCapacity: this.#port.monitor.capacity,
    });
    this.policy = new OptimizerPolicy(o.settings);
    this.recall = new RecallEstimator(index, o.recall);
    this.#validator =
      o.validate === false ? null : new OptimizationValidator(index, this.recall, o.validate);
    this.#intervalMs = o.intervalMs;
    this.#everyQueries = o.everyQueries;
    this.#historySize = o.historySize;
    if (o.enabled) this.enable();
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Starts sampling recall and running cycles. */
  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    this.recall.start();
    this.#timer = setInterval(() => this.#background(), this.#intervalMs);
    if (this.#everyQueries > 0) {
      this.#unsubscribe = this.#port.onSearch(() => {
        if (++this.#queriesSinceCycle >= this.#everyQueries) this.#background();
      });
    }
  }

  /** The last error of a cycle run by the interval or the query count (null after a good one). */
  get lastError(): VicinityError | null {
    return this.#lastError;
  }

  /** A cycle nobody awaits: its failure is kept in `lastError`; a closed index disables the optimizer. */
  #background(): void {
    this.cycle().then(
      () => {
        this.#lastError = null;
      },
      (error: unknown) => {
        this.#lastError = toVicinityError(error, 'ENGINE_ERROR');
        if (this.#lastError.code === 'CLOSED') this.disable();
      },
    );
  }

  /** Stops cycles and any validation under way (its change is kept); efSearch stays where it is. */
  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    this.#validating?.abort();
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.recall.stop();
  }

  /** Decisions that changed something, oldest first. */
  history(): OptimizerDecision[] {
    return [...this.#history];
  }

  /** Called for each change and each validation. Returns an unsubscribe function. */
  onChange(listener: (event: OptimizerChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * One cycle now: judge latency and recall, maybe change efSearch or the
   * cache's size. Resolves with the decision made, or null when nothing moved.
   * Cycles do not overlap, and none runs while a change is being validated.
   */
  cycle(): Promise<OptimizerDecision | null> {
    if (!this.#enabled || this.#validating) return Promise.resolve(null);
    this.#cycling ??= this.#cycle().finally(() => {
      this.#cycling = null;
      this.#queriesSinceCycle = 0;
    });
    return this.#cycling;
  }

  async #cycle(): Promise<OptimizerDecision | null> {
    const port = this.#port;
    const { monitor } = port;
    const now = monitor.now();
    const seen = this.#observe();
    const cache = this.policy.decideCache(now, seen);
    if (cache.action === 'set' && port.cache) {
      port.cache.resize(cache.to);
      this.#record(cache, now, this.#metrics(seen, null), 'kept');
    }
    const candidate = this.policy.candidate(now, seen);
    const recallNow = await this.#estimate(seen.efSearch);
    const recallAt = candidate === null ? null : await this.#estimate(candidate);
    const decision = this.policy.decideEf(monitor.now(), seen, candidate, recallNow, recallAt);
    this.#floorAlert(seen);
    if (decision.action !== 'set' || !this.#enabled) return null;
    await port.setEfSearch(decision.to);
    const at = monitor.now();
    const entry = this.#record(
      decision,
      at,
      this.#metrics(seen, recallNow),
      this.#validator ? 'pending' : 'kept',
    );
    if (this.#validator) {
      this.#validation = this.#validate(entry, decision.goal as EfGoal, seen.p95Ms, at).finally(
        () => {
          this.#validation = null;
        },
      );
    }
    return entry;
  }

  async #validate(entry: OptimizerDecision, goal: EfGoal, p95BeforeMs: number | null, at: number) {
    const validator = this.#validator as OptimizationValidator;
    const controller = new AbortController();
    this.#validating = controller;
    try {
      const s = this.policy.settings;
      const result = await validator.validate(
        {
          from: entry.from,
          to: entry.to,
          goal,
          p95BeforeMs,
          at,
          targetP95Ms: s.targetP95Ms,
          recallFloor: s.recallFloor,
        },
        controller.signal,
      );
      if (controller.signal.aborted) {
        this.#settle(entry, {
          outcome: 'kept',
          validation: 'not judged: the optimizer was disabled while validating',
        });
        return;
      }
      if (!result.keep && this.#port.efSearch() === entry.to) {
        await this.#port.setEfSearch(entry.from);
        this.policy.reverted(this.#port.monitor.now(), entry.to, result.recallFell);
      }
      this.#settle(entry, {
        outcome: result.keep ? 'kept' : 'reverted',
        validation: result.reason,
        after: {
          p95Ms: result.after.p95Ms,
          recall: result.after.recall,
          hitRate: this.#observe().hitRate,
        },
      });
    } catch (error) {
      this.#settle(entry, {
        outcome: 'kept',
        validation: `kept: validation failed (${error instanceof Error ? error.message : String(error)})`,
      });
    } finally {
      this.#validating = null;
    }
  }

  /** Waits for the cycle and the validation under way, if any. */
  async settled(): Promise<void> {
    await this.#cycling;
    await this.#validation;
  }

  #observe(): Observation {
    const { monitor, cache } = this.#port;
    const latencies = uncachedSearchLatencies(monitor, this.policy.since);
    const s = this.policy.settings;
    return {
      efSearch: this.#port.efSearch(),
      p95Ms: latencies.length >= s.minSamples ? percentiles(latencies).p95 : null,
      hitRate: searchHitRate(monitor, s.minSamples),
      cacheMaxBytes: cache ? cache.stats().maxBytes : null,
    };
  }

  async #estimate(efSearch: number): Promise<RecallEstimate | null> {
    try {
      return await this.recall.estimate(efSearch);
    } catch (error) {
      // A closed index ends the optimizer (see #background); one recovering gives no estimate this cycle.
      if (error instanceof VicinityError && error.code === 'CLOSED') throw error;
      return null;
    }
  }

  #metrics(seen: Observation, recall: RecallEstimate | null): DecisionMetrics {
    return {
      p95Ms: seen.p95Ms,
      recall: recall && recall.samples > 0 ? recall.recall : null,
      hitRate: seen.hitRate,
    };
  }

  /** The alert for a latency target out of reach above the recall floor: raised once, cleared once. */
  #floorAlert(seen: Observation): void {
    const { floor, settings } = this.policy;
    this.#port.monitor.alerts.set(
      {
        id: 'recallFloor:search',
        kind: 'recallFloor',
        operation: 'search',
        severity: 'warning',
        value: seen.p95Ms ?? 0,
        threshold: settings.targetP95Ms,
        message: floor.reason || 'latency target met above the recall floor',
      },
      floor.unreachable,
      this.#port.monitor.now(),
    );
  }

  #record(
    decision: Extract<Decision, { action: 'set' }>,
    at: number,
    before: DecisionMetrics,
    outcome: OptimizerDecision['outcome'],
  ): OptimizerDecision {
    const entry: OptimizerDecision = {
      at,
      parameter: decision.parameter,
      from: decision.from,
      to: decision.to,
      reason: decision.reason,
      outcome,
      before,
    };
    this.#history.push(entry);
    if (this.#history.length > this.#historySize) this.#history.shift();
    this.#emit({ type: 'changed', decision: entry });
    return entry;
  }

  #settle(entry: OptimizerDecision, update: Partial<OptimizerDecision>): void {
    const settled = { ...entry, ...update };
    const i = this.#history.indexOf(entry);
    if (i !== -1) this.#history[i] = settled;
    this.#emit({ type: 'validated', decision: settled });
  }

  #emit(event: OptimizerChangeEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
