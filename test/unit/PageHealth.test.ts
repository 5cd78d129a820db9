import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageHealth } from '../../src/monitor/PageHealth.js';
import { PerformanceMonitor } from '../../src/monitor/PerformanceMonitor.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, set: (ms: number) => (t = ms) };
}

describe('PageHealth', () => {
  it('attributes a long task to vicinity exactly when an operation ran or was in flight during it', () => {
    // Operations as [start, end] spans; tasks as [start, duration]; the oracle is interval overlap.
    const span = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 200 }));
    fc.assert(
      fc.property(
        fc.array(span, { maxLength: 20 }),
        fc.option(fc.integer({ min: 0, max: 1200 }), { nil: undefined }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 50, max: 300 })), {
          minLength: 1,
          maxLength: 10,
        }),
        (operations, inFlightFrom, tasks) => {
          const time = clock();
          const page = new PageHealth();
          const monitor = new PerformanceMonitor({ now: time.now, page, checkEveryMs: 0 });
          for (const [start, length] of operations) {
            time.set(start);
            const startedAt = monitor.begin();
            monitor.record({ operation: 'search', startedAt, totalMs: length });
          }
          if (inFlightFrom !== undefined) {
            time.set(inFlightFrom);
            monitor.begin();
          }
          for (const [start, duration] of tasks) {
            const end = start + duration;
            const expected =
              operations.some(([s, l]) => s <= end && s + l >= start) ||
              (inFlightFrom !== undefined && inFlightFrom <= end);
            expect(page.addLongTask({ startTime: start, duration }).vicinity).toBe(expected);
          }
          const snapshot = page.snapshot().longTasks;
          expect(snapshot.count).toBe(tasks.length);
          expect(snapshot.totalMs).toBe(tasks.reduce((sum, [, d]) => sum + d, 0));
          expect(snapshot.vicinity.count).toBe(snapshot.recent.filter((t) => t.vicinity).length);
        },
      ),
    );
  });

  it('stops attributing to a disposed monitor, and keeps only the latest tasks', () => {
    const time = clock(100);
    const page = new PageHealth({ recentSize: 3 });
    const monitor = new PerformanceMonitor({ now: time.now, page, checkEveryMs: 0 });
    monitor.begin(); // never finishes: everything after 100 overlaps it
    expect(page.addLongTask({ startTime: 200, duration: 60 }).vicinity).toBe(true);
    monitor.dispose();
    expect(page.addLongTask({ startTime: 300, duration: 60 }).vicinity).toBe(false);
    for (let i = 0; i < 3; i++) page.addLongTask({ startTime: 400 + i * 100, duration: 70 + i });
    const { longTasks } = page.snapshot();
    expect(longTasks.recent.map((t) => t.duration)).toEqual([70, 71, 72]);
    expect(longTasks).toMatchObject({
      count: 5,
      maxMs: 72,
      vicinity: { count: 1, totalMs: 60, maxMs: 60 },
    });
  });

  it('tells listeners of each change until they unsubscribe', () => {
    const page = new PageHealth();
    let calls = 0;
    const off = page.onChange(() => calls++);
    page.addLongTask({ startTime: 0, duration: 55 });
    off();
    page.addLongTask({ startTime: 100, duration: 55 });
    expect(calls).toBe(1);
  });
});
