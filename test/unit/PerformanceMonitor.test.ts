import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PerformanceMonitor, percentiles } from '../../src/monitor/PerformanceMonitor.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** The sorted-array oracle: nearest rank, p in (0, 100]. */
function oracle(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

describe('percentiles', () => {
  it('match a sorted oracle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const p = percentiles(values);
          expect(p).toEqual({
            p50: oracle(values, 50),
            p95: oracle(values, 95),
            p99: oracle(values, 99),
            max: Math.max(...values),
          });
        },
      ),
    );
  });
});

describe('PerformanceMonitor', () => {
  it('keeps the last `capacity` operations, per type', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ capacity: 5, now: time.now });
    for (let i = 1; i <= 8; i++) {
      monitor.record({ operation: i % 2 ? 'search' : 'upsert', startedAt: time.now(), totalMs: i });
      time.advance(10);
    }
    const records = monitor.records();
    expect(records.map((r) => r.totalMs)).toEqual([4, 5, 6, 7, 8]);
    const snap = monitor.snapshot();
    expect(snap.operations.search?.count).toBe(2);
    expect(snap.operations.upsert?.count).toBe(3);
    // Totals count everything since the start, for Prometheus counters.
    expect(snap.totals.search.count).toBe(4);
  });

  it('forgets operations older than the window', () => {
    const time = clock(1_000);
    const monitor = new PerformanceMonitor({ windowMs: 60_000, now: time.now });
    monitor.record({ operation: 'search', startedAt: time.now(), totalMs: 100 });
    time.advance(30_000);
    monitor.record({ operation: 'search', startedAt: time.now(), totalMs: 1 });
    expect(monitor.snapshot().operations.search?.count).toBe(2);
    time.advance(30_200);
    const snap = monitor.snapshot();
    expect(snap.operations.search?.count).toBe(1);
    expect(snap.operations.search?.latencyMs.max).toBe(1);
    time.advance(60_000);
    expect(monitor.snapshot().operations.search).toBeUndefined();
  });

  it('reports error rate, cache hit rate, throughput, worker time and efSearch', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    for (let i = 0; i < 10; i++) {
      monitor.record({
        operation: 'search',
        startedAt: time.now(),
        totalMs: 2,
        ...(i < 4 ? { cached: true } : { workerMs: 1 + i }),
        ...(i === 9 ? { error: 'TIMEOUT' } : {}),
        efSearch: 32 + i,
      });
      time.advance(6_000);
    }
    const search = monitor.snapshot().operations.search!;
    expect(search.errorRate).toBeCloseTo(0.1);
    expect(search.cacheHitRate).toBeCloseTo(0.4);
    expect(search.perMinute).toBeCloseTo(10);
    expect(search.workerMs).toEqual({ p50: 7, p95: 10, p99: 10, max: 10 });
    expect(search.efSearch).toBe(41);
    expect(monitor.records().at(-1)).toMatchObject({ error: 'TIMEOUT', efSearch: 41 });
  });

  it('tells listeners of each record until they unsubscribe', () => {
    const monitor = new PerformanceMonitor();
    const seen: number[] = [];
    const stop = monitor.onRecord((r) => seen.push(r.totalMs));
    monitor.record({ operation: 'save', startedAt: 0, totalMs: 3 });
    stop();
    monitor.record({ operation: 'save', startedAt: 0, totalMs: 4 });
    expect(seen).toEqual([3]);
  });
});
