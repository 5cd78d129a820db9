import type { MonitorSnapshot, Operation } from './operations.js';

export interface AlertThresholds {
  /**
   * p95 of searches above this, ms, raises an alert: single searches
   * (`search`) and a load tester's (`loadtest`), what a user waits on.
   * Other operations are judged only with a threshold of their own in
   * `p95MsByOperation`. @default 500
   */
  readonly p95Ms: number;
  /**
   * Latency thresholds per operation, ms, over `p95Ms`: `{ upsert: 5000 }`
   * judges writes, `{ search: 200 }` searches more tightly, `null` turns an
   * operation's latency alert off. Batches (`searchBatch`), writes
   * (`upsert`, `remove`), `save` and `open` take time in proportion to what
   * they carry (a bulk upsert of 1,000 vectors takes a second or more), so
   * without an entry here their latency is not judged. Errors are judged for
   * every operation. @default {}
   */
  readonly p95MsByOperation: Readonly<Partial<Record<Operation, number | null>>>;
  /** Share of failed operations above this. @default 0.05 */
  readonly errorRate: number;
  /** Share of searches answered by the cache below this; null: not checked. @default 0.6 */
  readonly cacheHitRate: number | null;
  /** An operation type is judged only with at least this many operations in the window. @default 20 */
  readonly minSamples: number;
  /**
   * Hysteresis: an alert clears only once its value is this far back on the
   * good side of the threshold (0.2: latency and errors under 80 % of it,
   * hit rate over 120 % of it). @default 0.2
   */
  readonly clearMargin: number;
}

export const ALERT_DEFAULTS: AlertThresholds = {
  p95Ms: 500,
  p95MsByOperation: {},
  errorRate: 0.05,
  cacheHitRate: 0.6,
  minSamples: 20,
  clearMargin: 0.2,
};

/** The operations `p95Ms` judges: one query each, what a user waits on. */
const SEARCH_OPERATIONS: readonly Operation[] = [
  'search',
  'textSearch',
  'hybridSearch',
  'loadtest',
];

/** The operations whose figures say whether searches are healthy; without any, there is no data yet. */
const QUERY_OPERATIONS: readonly Operation[] = [
  'search',
  'searchBatch',
  'textSearch',
  'hybridSearch',
  'loadtest',
];

function latencyThreshold(thresholds: AlertThresholds, operation: Operation): number | null {
  const own = thresholds.p95MsByOperation[operation];
  if (own !== undefined) return own;
  return SEARCH_OPERATIONS.includes(operation) ? thresholds.p95Ms : null;
}

/** `recallFloor`: set by an optimizer when the latency target cannot be met without losing recall. */
export type AlertKind = 'latency' | 'errors' | 'cacheHitRate' | 'recallFloor';

export interface Alert {
  /** `kind:operation`: one alert per condition at a time. */
  readonly id: string;
  readonly kind: AlertKind;
  readonly operation: Operation;
  /** `critical` when the value is twice as far past the threshold (or half the hit rate). */
  readonly severity: 'warning' | 'critical';
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
  /** Monitor clock. */
  readonly raisedAt: number;
  /** Set once cleared. */
  readonly clearedAt: number | null;
}

export interface AlertEvent {
  readonly type: 'raised' | 'cleared';
  readonly alert: Alert;
}

interface Condition {
  readonly kind: Exclude<AlertKind, 'recallFloor'>;
  readonly operation: Operation;
  readonly value: number;
  readonly threshold: number;
  /** Whether the value is on the bad side of the threshold. */
  readonly bad: boolean;
  /** Whether it is back past the clearing margin. */
  readonly recovered: boolean;
  readonly critical: boolean;
}

const CACHED_OPERATIONS: readonly Operation[] = [
  'search',
  'searchBatch',
  'textSearch',
  'hybridSearch',
];

/**
 * Turns monitor snapshots into alerts. An alert is raised once when its
 * condition starts to hold, stays active (no repeats) while it holds, and
 * clears only past a margin, so that a value hovering at the threshold does
 * not flap. Raised and cleared alerts go into a bounded history.
 */
export class AlertManager {
  #thresholds: AlertThresholds;
  readonly #historySize: number;
  #active = new Map<string, Alert>();
  /** Ids of alerts set from outside (`set`): a monitor check never clears them. */
  readonly #external = new Set<string>();
  #history: Alert[] = [];
  #listeners = new Set<(event: AlertEvent) => void>();

  constructor(thresholds: Partial<AlertThresholds> = {}, historySize = 100) {
    this.#thresholds = { ...ALERT_DEFAULTS, ...thresholds };
    this.#historySize = historySize;
  }

  /** The thresholds in force: the defaults, then what the constructor and `configure` gave. */
  get thresholds(): AlertThresholds {
    return this.#thresholds;
  }

  /**
   * Changes some thresholds from the next check on, the others kept: an
   * index's monitor is made with the defaults, so this is how a page sets
   * its own (`index.monitor.alerts.configure({ p95MsByOperation: { upsert:
   * 5000 } })`). `p95MsByOperation` is merged per operation.
   */
  configure(thresholds: Partial<AlertThresholds>): void {
    this.#thresholds = {
      ...this.#thresholds,
      ...thresholds,
      p95MsByOperation: {
        ...this.#thresholds.p95MsByOperation,
        ...thresholds.p95MsByOperation,
      },
    };
  }

  /**
   * The p95 threshold that applies to an operation, ms: its own in
   * `p95MsByOperation`, else `p95Ms` for searches; null when its latency is
   * not judged.
   */
  latencyThreshold(operation: Operation): number | null {
    return latencyThreshold(this.#thresholds, operation);
  }

  onAlert(listener: (event: AlertEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  active(): Alert[] {
    return [...this.#active.values()];
  }

  /** Raised and cleared alerts, newest last, at most `historySize`. */
  history(): Alert[] {
    return [...this.#history];
  }

  /** Evaluates a snapshot; returns the events it caused. */
  check(snapshot: MonitorSnapshot): AlertEvent[] {
    const events: AlertEvent[] = [];
    const seen = new Set<string>();
    for (const condition of this.#conditions(snapshot)) {
      const id = `${condition.kind}:${condition.operation}`;
      seen.add(id);
      const active = this.#active.get(id);
      if (!active && condition.bad) {
        const alert: Alert = {
          id,
          kind: condition.kind,
          operation: condition.operation,
          severity: condition.critical ? 'critical' : 'warning',
          value: condition.value,
          threshold: condition.threshold,
          message: describe(condition),
          raisedAt: snapshot.at,
          clearedAt: null,
        };
        this.#active.set(id, alert);
        events.push({ type: 'raised', alert });
      } else if (active && condition.recovered) {
        events.push({ type: 'cleared', alert: this.#clear(active, snapshot.at) });
      } else if (active) {
        // Still active: follow its value and severity without a new event.
        this.#active.set(id, {
          ...active,
          value: condition.value,
          severity: condition.critical ? 'critical' : 'warning',
          message: describe(condition),
        });
      }
    }
    // An operation that left the window has nothing wrong left to report.
    for (const [id, active] of this.#active) {
      if (!seen.has(id) && !this.#external.has(id))
        events.push({ type: 'cleared', alert: this.#clear(active, snapshot.at) });
    }
    this.#emit(events);
    return events;
  }

  /**
   * Raises (`active`) or clears an alert judged outside the monitor, such as
   * an optimizer's; like the others, raised once and cleared once.
   */
  set(
    condition: Omit<Alert, 'raisedAt' | 'clearedAt'>,
    active: boolean,
    at: number,
  ): AlertEvent | null {
    this.#external.add(condition.id);
    const current = this.#active.get(condition.id);
    let event: AlertEvent | null = null;
    if (active && !current) {
      const alert: Alert = { ...condition, raisedAt: at, clearedAt: null };
      this.#active.set(condition.id, alert);
      event = { type: 'raised', alert };
    } else if (!active && current) {
      event = { type: 'cleared', alert: this.#clear(current, at) };
    } else if (active && current) {
      this.#active.set(condition.id, { ...current, ...condition });
    }
    if (event) this.#emit([event]);
    return event;
  }

  #emit(events: readonly AlertEvent[]): void {
    for (const event of events) {
      this.#history.push(event.alert);
      if (this.#history.length > this.#historySize) this.#history.shift();
      for (const listener of this.#listeners) listener(event);
    }
  }

  #clear(alert: Alert, at: number): Alert {
    this.#active.delete(alert.id);
    return { ...alert, clearedAt: at };
  }

  *#conditions(snapshot: MonitorSnapshot): Generator<Condition> {
    const t = this.#thresholds;
    const keep = 1 - t.clearMargin;
    for (const [op, stats] of Object.entries(snapshot.operations)) {
      const operation = op as Operation;
      if (!stats || stats.count < t.minSamples) continue;
      const p95 = stats.latencyMs.p95;
      const limit = latencyThreshold(t, operation);
      if (limit !== null) {
        yield {
          kind: 'latency',
          operation,
          value: p95,
          threshold: limit,
          bad: p95 > limit,
          recovered: p95 < limit * keep,
          critical: p95 > 2 * limit,
        };
      }
      yield {
        kind: 'errors',
        operation,
        value: stats.errorRate,
        threshold: t.errorRate,
        bad: stats.errorRate > t.errorRate,
        recovered: stats.errorRate < t.errorRate * keep,
        critical: stats.errorRate > 2 * t.errorRate,
      };
      if (t.cacheHitRate !== null && CACHED_OPERATIONS.includes(operation)) {
        yield {
          kind: 'cacheHitRate',
          operation,
          value: stats.cacheHitRate,
          threshold: t.cacheHitRate,
          bad: stats.cacheHitRate < t.cacheHitRate,
          recovered: stats.cacheHitRate > Math.min(1, t.cacheHitRate * (1 + t.clearMargin)),
          critical: stats.cacheHitRate < t.cacheHitRate / 2,
        };
      }
    }
  }
}

function describe(c: Condition): string {
  // A no-break space keeps the number and its unit on one line.
  const pct = (x: number) => `${(x * 100).toFixed(1)}\u00a0%`;
  switch (c.kind) {
    case 'latency':
      return `${c.operation} p95 ${c.value.toFixed(1)} ms is over ${c.threshold} ms`;
    case 'errors':
      return `${c.operation} error rate ${pct(c.value)} is over ${pct(c.threshold)}`;
    case 'cacheHitRate':
      return `${c.operation} cache hit rate ${pct(c.value)} is under ${pct(c.threshold)}`;
  }
}

/** `no-data`: no searches in the monitor's window and no alert, so there is nothing to judge yet. */
export type Health = 'no-data' | 'healthy' | 'degraded' | 'critical';

/**
 * The health of the dashboard document: critical with any critical alert,
 * degraded with any alert; without alerts, healthy once there are searches
 * in `snapshot` (writes alone, such as a first build, are no data yet).
 * Without a snapshot, never `no-data`.
 */
export function health(active: readonly Alert[], snapshot?: MonitorSnapshot): Health {
  if (active.some((a) => a.severity === 'critical')) return 'critical';
  if (active.length > 0) return 'degraded';
  if (snapshot && !QUERY_OPERATIONS.some((op) => (snapshot.operations[op]?.count ?? 0) > 0))
    return 'no-data';
  return 'healthy';
}
