/** What the monitor records and reports, shared by the monitor and its alerts. */

/** The operations the monitor times; `loadtest` is a load tester's traffic, kept apart. */
export const OPERATIONS = [
  'search',
  'searchBatch',
  'textSearch',
  'hybridSearch',
  'upsert',
  'remove',
  'save',
  'open',
  'loadtest',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One finished operation as the page saw it. */
export interface OperationRecord {
  readonly operation: Operation;
  /** Start, on the monitor's clock (performance.now() by default). */
  readonly startedAt: number;
  /** What the caller waited: validation, queueing, transfer and work. */
  readonly totalMs: number;
  /** The worker's own compute time, when the operation reached the worker. */
  readonly workerMs?: number;
  /** The error code, when it failed. */
  readonly error?: string;
  /** Answered by the query cache. */
  readonly cached?: boolean;
  /** efSearch the operation ran with, for searches. */
  readonly efSearch?: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface OperationStats {
  readonly count: number;
  /** Over totalMs: what the caller felt. */
  readonly latencyMs: Percentiles;
  /** Over workerMs of the operations that reached the worker (null when none did). */
  readonly workerMs: Percentiles | null;
  readonly errorRate: number;
  /** Share of the operations answered by the cache (searches). */
  readonly cacheHitRate: number;
  readonly perMinute: number;
  /** efSearch of the latest operation that reported one. */
  readonly efSearch: number | null;
}

export interface MonitorSnapshot {
  /** The clock reading the snapshot was taken at. */
  readonly at: number;
  readonly windowMs: number;
  /** Operations in the window, all types. */
  readonly count: number;
  readonly operations: Partial<Record<Operation, OperationStats>>;
  /** Totals since the monitor started (not only the window), for counters. */
  readonly totals: Record<Operation, { count: number; errors: number; cacheHits: number }>;
}
