import { describe, expect, it } from 'vitest';
import { AlertManager, health } from '../../src/monitor/AlertManager.js';
import { PerformanceMonitor } from '../../src/monitor/PerformanceMonitor.js';
import { type Operation } from '../../src/monitor/operations.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** `n` operations of one kind, `ms` each. */
function operations(
  monitor: PerformanceMonitor,
  time: ReturnType<typeof clock>,
  operation: Operation,
  n: number,
  ms: number,
  extra = {},
) {
  for (let i = 0; i < n; i++) {
    monitor.record({ operation, startedAt: time.now(), totalMs: ms, ...extra });
    time.advance(1);
  }
}

/** A monitor whose window holds `n` searches of `ms` each (the window is short, so old ones leave). */
function searches(
  monitor: PerformanceMonitor,
  time: ReturnType<typeof clock>,
  n: number,
  ms: number,
  extra = {},
) {
  for (let i = 0; i < n; i++) {
    monitor.record({ operation: 'search', startedAt: time.now(), totalMs: ms, ...extra });
    time.advance(1);
  }
}

describe('AlertManager', () => {
  it('raises once, stays quiet while the condition holds, clears with hysteresis', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ windowMs: 100, now: time.now });
    const alerts = new AlertManager({ cacheHitRate: null });
    const events: string[] = [];
    alerts.onAlert((e) => events.push(`${e.type} ${e.alert.id} ${e.alert.severity}`));

    searches(monitor, time, 30, 600);
    alerts.check(monitor.snapshot());
    searches(monitor, time, 30, 700);
    alerts.check(monitor.snapshot());
    expect(events).toEqual(['raised latency:search warning']);
    expect(alerts.active()).toHaveLength(1);

    // Under the threshold but within the margin (450 > 400): still active, no event.
    time.advance(1_000);
    searches(monitor, time, 30, 450);
    alerts.check(monitor.snapshot());
    expect(events).toHaveLength(1);
    expect(alerts.active()[0]?.value).toBe(450);

    time.advance(1_000);
    searches(monitor, time, 30, 300);
    alerts.check(monitor.snapshot());
    expect(events).toEqual(['raised latency:search warning', 'cleared latency:search warning']);
    expect(alerts.active()).toEqual([]);
    expect(alerts.history().map((a) => a.clearedAt === null)).toEqual([true, false]);
  });

  it('judges error and cache hit rates, and leaves a type with too few samples alone', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    const alerts = new AlertManager();
    searches(monitor, time, 10, 1, { error: 'TIMEOUT' });
    expect(alerts.check(monitor.snapshot())).toEqual([]);
    searches(monitor, time, 30, 1, { cached: true });
    const raised = alerts.check(monitor.snapshot()).map((e) => `${e.alert.id} ${e.alert.severity}`);
    // 10 of 40 failed (25 %: critical); 30 of 40 cached (75 %: fine).
    expect(raised).toEqual(['errors:search critical']);
    expect(health(alerts.active())).toBe('critical');
  });

  it('raises a low cache hit rate, critical under half the threshold', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    const alerts = new AlertManager();
    searches(monitor, time, 20, 1, { cached: true });
    searches(monitor, time, 30, 1);
    expect(alerts.check(monitor.snapshot()).map((e) => e.alert.message)).toEqual([
      'search cache hit rate 40.0\u00a0% is under 60.0\u00a0%',
    ]);
    expect(health(alerts.active())).toBe('degraded');
    expect(health([])).toBe('healthy');
  });

  it('keeps a bounded history', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ windowMs: 10, now: time.now });
    const alerts = new AlertManager({ cacheHitRate: null, minSamples: 1 }, 3);
    for (let i = 0; i < 5; i++) {
      searches(monitor, time, 2, 1_000);
      alerts.check(monitor.snapshot());
      time.advance(2_000);
      alerts.check(monitor.snapshot());
    }
    expect(alerts.history()).toHaveLength(3);
  });

  it('judges the latency of searches by default, not of writes, batches, saves or opens', () => {
    // The demo's first build: 118 bulk upserts of 1,000 vectors, p95 1.5 s, then a save.
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    const alerts = new AlertManager({ cacheHitRate: null });
    for (const op of ['upsert', 'searchBatch', 'remove', 'save', 'open'] as const)
      operations(monitor, time, op, 30, 1_555);
    expect(alerts.check(monitor.snapshot())).toEqual([]);
    expect(alerts.latencyThreshold('upsert')).toBeNull();
    expect(alerts.latencyThreshold('search')).toBe(500);
    expect(alerts.latencyThreshold('loadtest')).toBe(500);

    // Searches and a load test's searches are what a user waits on.
    operations(monitor, time, 'search', 30, 600);
    operations(monitor, time, 'loadtest', 30, 1_200);
    expect(
      alerts.check(monitor.snapshot()).map((e) => `${e.alert.id} ${e.alert.severity}`),
    ).toEqual(['latency:search warning', 'latency:loadtest critical']);
  });

  it('takes latency thresholds per operation: writes on, searches tighter or off', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    const alerts = new AlertManager({
      p95Ms: 500,
      p95MsByOperation: { upsert: 1_000, search: null, loadtest: 100 },
      cacheHitRate: null,
    });
    operations(monitor, time, 'upsert', 30, 1_555);
    operations(monitor, time, 'search', 30, 5_000);
    operations(monitor, time, 'loadtest', 30, 150);
    expect(alerts.check(monitor.snapshot()).map((e) => e.alert.message)).toEqual([
      'upsert p95 1555.0 ms is over 1000 ms',
      'loadtest p95 150.0 ms is over 100 ms',
    ]);
    // p95Ms still applies where nothing overrides it, as before.
    expect(new AlertManager({ p95Ms: 50 }).latencyThreshold('search')).toBe(50);

    // An index's monitor is made with the defaults; configure merges per operation.
    const later = new AlertManager();
    later.configure({ p95MsByOperation: { upsert: 2_000 } });
    later.configure({ p95Ms: 300, p95MsByOperation: { save: 4_000 } });
    expect(later.thresholds.p95MsByOperation).toEqual({ upsert: 2_000, save: 4_000 });
    expect(later.latencyThreshold('search')).toBe(300);
    expect(later.thresholds.errorRate).toBe(0.05);
  });

  it('has no data before the first search: writes alone are not health', () => {
    const time = clock();
    const monitor = new PerformanceMonitor({ now: time.now });
    const alerts = new AlertManager();
    expect(health([], monitor.snapshot())).toBe('no-data');
    operations(monitor, time, 'upsert', 50, 1_555);
    alerts.check(monitor.snapshot());
    expect(health(alerts.active(), monitor.snapshot())).toBe('no-data');
    // Failing writes are not "no data": their alert decides.
    operations(monitor, time, 'upsert', 50, 10, { error: 'MEMORY_LIMIT' });
    alerts.check(monitor.snapshot());
    expect(health(alerts.active(), monitor.snapshot())).toBe('critical');

    const fresh = new PerformanceMonitor({ now: time.now });
    operations(fresh, time, 'upsert', 5, 1_555);
    operations(fresh, time, 'search', 1, 2);
    expect(health([], fresh.snapshot())).toBe('healthy');
    // Without a snapshot the old three values only.
    expect(health([])).toBe('healthy');
  });
});
