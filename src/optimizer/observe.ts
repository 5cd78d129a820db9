import type { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';

/**
 * Latencies (ms) of the single searches (the page's and a load test's) that
 * reached the worker and finished after `since`: what efSearch changes.
 * Cache hits are left out, as are batches (one latency for many queries).
 */
export function uncachedSearchLatencies(monitor: PerformanceMonitor, since: number): number[] {
  const out: number[] = [];
  for (const r of monitor.records()) {
    if (r.cached || r.error !== undefined || r.startedAt < since) continue;
    if (r.operation === 'search' || r.operation === 'loadtest') out.push(r.totalMs);
  }
  return out;
}

/** Share of searches answered by the cache in the monitor's window; null under `min` searches. */
export function searchHitRate(monitor: PerformanceMonitor, min: number): number | null {
  let searches = 0;
  let hits = 0;
  for (const r of monitor.records()) {
    if (r.operation !== 'search' && r.operation !== 'loadtest' && r.operation !== 'searchBatch')
      continue;
    searches++;
    if (r.cached) hits++;
  }
  return searches < min ? null : hits / searches;
}
