import type { Operation, OperationRecord } from '../monitor/operations.js';

/** Operations that answer queries: the timeline's latency lines. */
export const QUERY_OPERATIONS: ReadonlySet<Operation> = new Set([
  'search',
  'searchBatch',
  'textSearch',
  'hybridSearch',
  'loadtest',
]);

/** Milliseconds as a person reads them: 0.42 ms, 4.2 ms, 42 ms, 1.2 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A share as a percentage: 0 %, 0.5 %, 12 %, 100 %. */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  const percent = share * 100;
  if (percent === 0 || percent >= 10) return `${Math.round(percent)} %`;
  return `${percent.toFixed(1)} %`;
}

/** A count with thousands separated: 12,345; 1.2 M past a million. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return Math.round(n).toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Time since `at` (monitor clock), in words: 3 s ago, 4 min ago. */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/** Columns for the timeline chart: x in seconds before now (−119 … 0), then latency p50, p95 and operations per second. */
export type TimelineColumns = [number[], (number | null)[], (number | null)[], number[]];

function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * Per-second columns over the last `seconds` seconds up to `now`: p50 and
 * p95 latency of the query operations finished in each second (null for
 * seconds without one) and the operations of every kind finished per second.
 * Times are on the monitor's clock; the last bucket ends at the end of the
 * current second.
 */
export function timelineColumns(
  records: readonly OperationRecord[],
  now: number,
  seconds: number,
): TimelineColumns {
  const latencies: number[][] = Array.from({ length: seconds }, () => []);
  const counts = new Array<number>(seconds).fill(0);
  // The last bucket is the current whole second of the clock; each before it one second earlier.
  const last = Math.floor(now / 1000);
  for (const r of records) {
    const bucket = seconds - 1 - (last - Math.floor((r.startedAt + r.totalMs) / 1000));
    if (bucket < 0 || bucket >= seconds) continue;
    counts[bucket] = (counts[bucket] as number) + 1;
    if (QUERY_OPERATIONS.has(r.operation)) (latencies[bucket] as number[]).push(r.totalMs);
  }
  const x: number[] = [];
  const p50: (number | null)[] = [];
  const p95: (number | null)[] = [];
  for (let i = 0; i < seconds; i++) {
    x.push(i - (seconds - 1));
    const sorted = (latencies[i] as number[]).sort((a, b) => a - b);
    p50.push(sorted.length ? nearestRank(sorted, 50) : null);
    p95.push(sorted.length ? nearestRank(sorted, 95) : null);
  }
  return [x, p50, p95, counts];
}

/** Operations per second over the last `seconds` seconds before `now`, of every kind. */
export function recentThroughput(
  records: readonly OperationRecord[],
  now: number,
  seconds = 10,
): number {
  const from = now - seconds * 1000;
  let n = 0;
  for (const r of records) if (r.startedAt + r.totalMs > from) n++;
  return n / seconds;
}
