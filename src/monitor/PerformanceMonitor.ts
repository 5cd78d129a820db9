import { AlertManager, type AlertEvent, type AlertThresholds } from './AlertManager.js';
import type { PageHealth, WorkSource } from './PageHealth.js';
import {
  OPERATIONS,
  type MonitorSnapshot,
  type Operation,
  type OperationRecord,
  type OperationStats,
  type Percentiles,
} from './operations.js';

export interface PerformanceMonitorOptions {
  /** Alert thresholds; the defaults are p95 500 ms, error rate 5 %, cache hit rate 60 %. */
  readonly alerts?: Partial<AlertThresholds>;
  /** Alerts are checked this long after a record, at most once per period, ms; 0: only by `checkAlerts()`. @default 1000 */
  readonly checkEveryMs?: number;
  /** Operations kept. @default 1000 */
  readonly capacity?: number;
  /** Only operations this recent count in a snapshot, ms. @default 300000 (5 minutes) */
  readonly windowMs?: number;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
  /** The page's health, which attributes long tasks to this monitor's work. @default none */
  readonly page?: PageHealth;
}

const NO_EF = -1;

/** Upper bounds of the latency histogram, seconds (Prometheus `le`), +Inf implied. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Cumulative since the monitor started, as Prometheus histograms are. */
export interface LatencyHistogram {
  /** Count of operations at or under each bound of LATENCY_BUCKETS_SECONDS, then +Inf. */
  readonly buckets: readonly number[];
  readonly sumSeconds: number;
  readonly count: number;
}

/**
 * Timings of the last operations, in a ring buffer of typed arrays so that
 * recording allocates nothing: a record is a handful of array writes.
 */
export class PerformanceMonitor implements WorkSource {
  readonly capacity: number;
  /** Web vitals and long tasks of the page, when the monitor was given it. */
  readonly page: PageHealth | null;
  readonly #detachPage: (() => void) | undefined;
  /** Start times of the operations begun and not yet recorded. */
  readonly #inFlight: number[] = [];
  readonly windowMs: number;
  /** Alerts raised from this monitor's figures. */
  readonly alerts: AlertManager;
  readonly #checkEveryMs: number;
  #checkTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #now: () => number;
  readonly #operation: Uint8Array;
  readonly #startedAt: Float64Array;
  readonly #totalMs: Float64Array;
  /** NaN when the operation did not reach the worker. */
  readonly #workerMs: Float64Array;
  /** Bit 0: failed; bit 1: cached. */
  readonly #flags: Uint8Array;
  readonly #efSearch: Int32Array;
  /** Error codes by slot, only for failed operations. */
  readonly #errors: (string | undefined)[];
  #next = 0;
  #size = 0;
  readonly #totals = Object.fromEntries(
    OPERATIONS.map((op) => [op, { count: 0, errors: 0, cacheHits: 0 }]),
  ) as Record<Operation, { count: number; errors: number; cacheHits: number }>;
  #listeners = new Set<(record: OperationRecord) => void>();
  /** Per operation: counts per bucket (not yet cumulative), then the sum in seconds. */
  readonly #histograms = OPERATIONS.map(() => ({
    counts: new Float64Array(LATENCY_BUCKETS_SECONDS.length + 1),
    sum: 0,
  }));

  constructor(options: PerformanceMonitorOptions = {}) {
    this.capacity = options.capacity ?? 1000;
    this.windowMs = options.windowMs ?? 300_000;
    this.#now = options.now ?? (() => performance.now());
    this.alerts = new AlertManager(options.alerts);
    this.#checkEveryMs = options.checkEveryMs ?? 1000;
    this.#operation = new Uint8Array(this.capacity);
    this.#startedAt = new Float64Array(this.capacity);
    this.#totalMs = new Float64Array(this.capacity);
    this.#workerMs = new Float64Array(this.capacity);
    this.#flags = new Uint8Array(this.capacity);
    this.#efSearch = new Int32Array(this.capacity);
    this.#errors = new Array<string | undefined>(this.capacity);
    this.page = options.page ?? null;
    this.#detachPage = this.page?.addWorkSource(this);
  }

  /** Stops checking alerts and attributing long tasks; the figures stay readable. */
  dispose(): void {
    clearTimeout(this.#checkTimer);
    this.#checkTimer = undefined;
    this.#detachPage?.();
  }

  now(): number {
    return this.#now();
  }

  /**
   * Marks an operation as started and returns its start time; it counts as
   * work in flight (for long-task attribution) until recorded with that time.
   */
  begin(): number {
    const startedAt = this.#now();
    this.#inFlight.push(startedAt);
    return startedAt;
  }

  /** Whether an operation ran, or was in flight, at some time in [start, end]. */
  overlapsWork(start: number, end: number): boolean {
    if (this.#inFlight.some((startedAt) => startedAt <= end)) return true;
    for (let i = 1; i <= this.#size; i++) {
      const slot = (this.#next - i + this.capacity) % this.capacity;
      const startedAt = this.#startedAt[slot] as number;
      if (startedAt <= end && startedAt + (this.#totalMs[slot] as number) >= start) return true;
    }
    return false;
  }

  record(record: OperationRecord): void {
    const begun = this.#inFlight.indexOf(record.startedAt);
    if (begun !== -1) this.#inFlight.splice(begun, 1);
    const slot = this.#next;
    const op = OPERATIONS.indexOf(record.operation);
    this.#operation[slot] = op;
    this.#startedAt[slot] = record.startedAt;
    this.#totalMs[slot] = record.totalMs;
    this.#workerMs[slot] = record.workerMs ?? Number.NaN;
    this.#flags[slot] = (record.error === undefined ? 0 : 1) | (record.cached ? 2 : 0);
    this.#efSearch[slot] = record.efSearch ?? NO_EF;
    this.#errors[slot] = record.error;
    this.#next = (slot + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
    const total = this.#totals[record.operation];
    total.count++;
    if (record.error !== undefined) total.errors++;
    if (record.cached) total.cacheHits++;
    const histogram = this.#histograms[op] as { counts: Float64Array; sum: number };
    const seconds = record.totalMs / 1000;
    let bucket = 0;
    while (
      bucket < LATENCY_BUCKETS_SECONDS.length &&
      seconds > (LATENCY_BUCKETS_SECONDS[bucket] as number)
    )
      bucket++;
    histogram.counts[bucket] = (histogram.counts[bucket] ?? 0) + 1;
    histogram.sum += seconds;
    for (const listener of this.#listeners) listener(record);
    if (this.#checkEveryMs > 0 && this.#checkTimer === undefined) {
      this.#checkTimer = setTimeout(() => {
        this.#checkTimer = undefined;
        this.checkAlerts();
      }, this.#checkEveryMs);
    }
  }

  /** Evaluates the alert thresholds now; returns the alerts raised or cleared. */
  checkAlerts(): AlertEvent[] {
    return this.alerts.check(this.snapshot());
  }

  /** Called when an alert is raised or cleared. Returns an unsubscribe function. */
  onAlert(listener: (event: AlertEvent) => void): () => void {
    return this.alerts.onAlert(listener);
  }

  /** Called after every record (the dashboard redraws from it). Returns an unsubscribe function. */
  onRecord(listener: (record: OperationRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The latency histogram of one operation since the monitor started. */
  histogram(operation: Operation): LatencyHistogram {
    const { counts, sum } = this.#histograms[OPERATIONS.indexOf(operation)] as {
      counts: Float64Array;
      sum: number;
    };
    const buckets: number[] = [];
    let running = 0;
    for (const count of counts) buckets.push((running += count));
    return { buckets, sumSeconds: sum, count: running };
  }

  /** Operations within the window, oldest first. */
  records(): OperationRecord[] {
    const from = this.#now() - this.windowMs;
    const out: OperationRecord[] = [];
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#next - this.#size + i + this.capacity) % this.capacity;
      if ((this.#startedAt[slot] as number) + (this.#totalMs[slot] as number) < from) continue;
      const workerMs = this.#workerMs[slot] as number;
      const flags = this.#flags[slot] as number;
      const ef = this.#efSearch[slot] as number;
      const error = this.#errors[slot];
      out.push({
        operation: OPERATIONS[this.#operation[slot] as number] as Operation,
        startedAt: this.#startedAt[slot] as number,
        totalMs: this.#totalMs[slot] as number,
        ...(Number.isNaN(workerMs) ? {} : { workerMs }),
        ...(error === undefined ? {} : { error }),
        ...(flags & 2 ? { cached: true } : {}),
        ...(ef === NO_EF ? {} : { efSearch: ef }),
      });
    }
    return out;
  }

  snapshot(): MonitorSnapshot {
    const at = this.#now();
    const records = this.records();
    const byOperation = new Map<Operation, OperationRecord[]>();
    for (const r of records) {
      const list = byOperation.get(r.operation);
      if (list) list.push(r);
      else byOperation.set(r.operation, [r]);
    }
    const operations: Partial<Record<Operation, OperationStats>> = {};
    // Operations per minute over the time the window actually covers.
    const span = Math.min(this.windowMs, Math.max(1, at - (records[0]?.startedAt ?? at)));
    for (const [op, list] of byOperation) {
      const worker = list.flatMap((r) => (r.workerMs === undefined ? [] : [r.workerMs]));
      const withEf = list.filter((r) => r.efSearch !== undefined);
      operations[op] = {
        count: list.length,
        latencyMs: percentiles(list.map((r) => r.totalMs)),
        workerMs: worker.length === 0 ? null : percentiles(worker),
        errorRate: list.filter((r) => r.error !== undefined).length / list.length,
        cacheHitRate: list.filter((r) => r.cached).length / list.length,
        perMinute: (list.length * 60_000) / span,
        efSearch: withEf.at(-1)?.efSearch ?? null,
      };
    }
    const totals = Object.fromEntries(
      OPERATIONS.map((op) => [op, { ...this.#totals[op] }]),
    ) as MonitorSnapshot['totals'];
    return { at, windowMs: this.windowMs, count: records.length, operations, totals };
  }
}

/** Nearest-rank percentiles of the values (all zero for none). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) =>
    sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] as number };
}
