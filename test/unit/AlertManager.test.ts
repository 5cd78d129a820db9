import { describe, expect, it } from 'vitest';
import { AlertManager, health } from '../../src/monitor/AlertManager.js';
import { PerformanceMonitor } from '../../src/monitor/PerformanceMonitor.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
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
});
