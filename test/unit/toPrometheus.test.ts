import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { toPrometheus, escapeLabelValue } from '../../src/export/toPrometheus.js';
import { PageHealth } from '../../src/monitor/PageHealth.js';
import { PerformanceMonitor } from '../../src/monitor/PerformanceMonitor.js';

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

function exposition(indexName: string) {
  let t = 0;
  const monitor = new PerformanceMonitor({ now: () => t });
  const latencies = [0.08, 0.3, 2, 7, 40, 120, 900, 3_000];
  latencies.forEach((ms, i) => {
    monitor.record({ operation: 'search', startedAt: t, totalMs: ms, cached: i < 2, efSearch: 64 });
    t += 10;
  });
  monitor.record({ operation: 'search', startedAt: t, totalMs: 12, error: 'INVALID_VECTOR' });
  latencies.push(12);
  const text = toPrometheus({
    monitor,
    gauges: () => ({ index: indexName, size: 1234, efSearch: 64, cacheBytes: 5678 }),
  });
  return { text, latencies, families: parsePrometheusTextFormat(text) as Family[] };
}

describe('toPrometheus', () => {
  it('is read by an independent parser: HELP, TYPE, histogram, counters, gauges', () => {
    const { families, latencies, text } = exposition('docs');
    const byName = new Map(families.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual([
      'vicinity_cache_bytes',
      'vicinity_cache_hits_total',
      'vicinity_ef_search',
      'vicinity_errors_total',
      'vicinity_index_size',
      'vicinity_operation_duration_seconds',
      'vicinity_operations_total',
    ]);
    for (const f of families) expect(f.help.length).toBeGreaterThan(0);
    const histogram = byName.get('vicinity_operation_duration_seconds')!;
    expect(histogram.type).toBe('HISTOGRAM');
    // The parser folds a histogram's series into one bucket map and keeps
    // _sum and _count only for unlabelled series; one series is exported here.
    expect(histogram.metrics).toHaveLength(1);
    const search = histogram.metrics[0]!;
    expect(Object.keys(search.buckets!)).toHaveLength(17);
    const line = (suffix: string) =>
      Number(
        new RegExp(
          `^vicinity_operation_duration_seconds_${suffix}\\{index="docs",operation="search"\\} (\\S+)$`,
          'm',
        ).exec(text)![1],
      );
    expect(line('count')).toBe(latencies.length);
    expect(line('sum')).toBeCloseTo(latencies.reduce((a, b) => a + b) / 1000, 9);
    // Cumulative buckets, checked against the latencies directly.
    for (const [le, count] of Object.entries(search.buckets!)) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      expect(Number(count), `le=${le}`).toBe(latencies.filter((ms) => ms / 1000 <= bound).length);
    }
    const value = (name: string, operation?: string) =>
      Number(
        byName.get(name)!.metrics.find((m) => !operation || m.labels?.operation === operation)!
          .value,
      );
    expect(byName.get('vicinity_operations_total')!.type).toBe('COUNTER');
    expect(value('vicinity_operations_total', 'search')).toBe(9);
    expect(value('vicinity_errors_total', 'search')).toBe(1);
    expect(value('vicinity_cache_hits_total', 'search')).toBe(2);
    expect(byName.get('vicinity_index_size')!.type).toBe('GAUGE');
    expect(value('vicinity_index_size')).toBe(1234);
    expect(value('vicinity_ef_search')).toBe(64);
    expect(value('vicinity_cache_bytes')).toBe(5678);
  });

  it('escapes label values, so any index name reads back unchanged', () => {
    const name = 'a "quoted" back\\slash\nnew line';
    const { families, text } = exposition(name);
    expect(text).toContain(`index="${escapeLabelValue(name)}"`);
    const labelled = families.filter((f) => f.type !== 'HISTOGRAM');
    expect(labelled).toHaveLength(6);
    for (const family of labelled)
      for (const metric of family.metrics) expect(metric.labels?.index).toBe(name);
  });

  it('adds the page: long tasks split by vicinity work, and web vitals in seconds', () => {
    let t = 0;
    const page = new PageHealth();
    const monitor = new PerformanceMonitor({ now: () => t, page, checkEveryMs: 0 });
    monitor.record({ operation: 'search', startedAt: monitor.begin(), totalMs: 100 });
    page.addLongTask({ startTime: 50, duration: 80 }); // overlaps the search
    page.addLongTask({ startTime: 500, duration: 60 });
    page.addLongTask({ startTime: 700, duration: 90 });
    t = 1000;
    const text = toPrometheus({
      monitor,
      gauges: () => ({ index: 'p', size: 0, efSearch: 64, cacheBytes: 0 }),
    });
    const families = new Map(
      (parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f] as const),
    );
    const by = (family: string, overlapped: string) =>
      Number(families.get(family)!.metrics.find((m) => m.labels?.overlapped === overlapped)!.value);
    expect(families.get('vicinity_page_long_tasks_total')!.type).toBe('COUNTER');
    expect(by('vicinity_page_long_tasks_total', 'vicinity')).toBe(1);
    expect(by('vicinity_page_long_tasks_total', 'other')).toBe(2);
    expect(by('vicinity_page_long_task_seconds_total', 'vicinity')).toBeCloseTo(0.08);
    expect(by('vicinity_page_long_task_seconds_total', 'other')).toBeCloseTo(0.15);
    // No vitals reported outside a browser: the families are declared, with no samples.
    expect(families.get('vicinity_page_web_vital_seconds')?.metrics ?? []).toHaveLength(0);
  });
});
