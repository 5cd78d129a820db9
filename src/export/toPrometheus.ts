import { LATENCY_BUCKETS_SECONDS, type PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import { OPERATIONS } from '../monitor/operations.js';

/** Gauges about the index beside the monitor's figures. */
export interface IndexGauges {
  /** The index name, the `index` label of every sample. */
  readonly index: string;
  readonly size: number;
  readonly efSearch: number;
  /** Bytes the query cache holds (0 without a cache). */
  readonly cacheBytes: number;
}

/** What the exporters read: a VectorIndex is one. */
export interface MetricsSource {
  readonly monitor: PerformanceMonitor;
  gauges(): IndexGauges;
}

/** A label value in the exposition format: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * The monitor's figures in the Prometheus text exposition format 0.0.4:
 * latency as a histogram per operation (cumulative since the page loaded),
 * counters of operations, errors and cache hits, and gauges for efSearch,
 * the cache's bytes and the index size; with the page's health, its long
 * tasks (split by whether vicinity was working) and web vitals.
 */
export function toPrometheus(source: MetricsSource): string {
  const { monitor } = source;
  const gauges = source.gauges();
  const index = `index="${escapeLabelValue(gauges.index)}"`;
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const snapshot = monitor.snapshot();

  family(
    'vicinity_operation_duration_seconds',
    'histogram',
    'Time callers waited for vicinity operations, measured on the page.',
  );
  for (const operation of OPERATIONS) {
    const h = monitor.histogram(operation);
    if (h.count === 0) continue;
    const labels = `${index},operation="${operation}"`;
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      lines.push(
        `vicinity_operation_duration_seconds_bucket{${labels},le="${le}"} ${h.buckets[i]}`,
      );
    });
    lines.push(`vicinity_operation_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
    lines.push(`vicinity_operation_duration_seconds_sum{${labels}} ${formatNumber(h.sumSeconds)}`);
    lines.push(`vicinity_operation_duration_seconds_count{${labels}} ${h.count}`);
  }

  const counters = [
    ['vicinity_operations_total', 'Operations finished, failed or not.', 'count'],
    ['vicinity_errors_total', 'Operations that failed.', 'errors'],
    ['vicinity_cache_hits_total', 'Searches answered by the query cache.', 'cacheHits'],
  ] as const;
  for (const [name, help, field] of counters) {
    family(name, 'counter', help);
    for (const operation of OPERATIONS) {
      const total = snapshot.totals[operation];
      if (total.count === 0) continue;
      lines.push(`${name}{${index},operation="${operation}"} ${total[field]}`);
    }
  }

  family('vicinity_ef_search', 'gauge', 'The default efSearch of the index.');
  lines.push(`vicinity_ef_search{${index}} ${formatNumber(gauges.efSearch)}`);
  family('vicinity_cache_bytes', 'gauge', 'Estimated bytes held by the query cache.');
  lines.push(`vicinity_cache_bytes{${index}} ${formatNumber(gauges.cacheBytes)}`);
  family('vicinity_index_size', 'gauge', 'Live vectors in the index.');
  lines.push(`vicinity_index_size{${index}} ${formatNumber(gauges.size)}`);

  const page = monitor.page?.snapshot();
  if (page) {
    const { longTasks, vitals } = page;
    const split = [
      ['vicinity', longTasks.vicinity],
      [
        'other',
        {
          count: longTasks.count - longTasks.vicinity.count,
          totalMs: longTasks.totalMs - longTasks.vicinity.totalMs,
        },
      ],
    ] as const;
    family(
      'vicinity_page_long_tasks_total',
      'counter',
      'Main-thread tasks of 50 ms or more; overlapped="vicinity" while vicinity was working.',
    );
    for (const [who, totals] of split)
      lines.push(`vicinity_page_long_tasks_total{${index},overlapped="${who}"} ${totals.count}`);
    family('vicinity_page_long_task_seconds_total', 'counter', 'Time spent in those long tasks.');
    for (const [who, totals] of split)
      lines.push(
        `vicinity_page_long_task_seconds_total{${index},overlapped="${who}"} ${formatNumber(totals.totalMs / 1000)}`,
      );
    family('vicinity_page_web_vital_seconds', 'gauge', 'Web vitals of the page that are times.');
    for (const name of ['INP', 'LCP', 'FCP', 'TTFB'] as const) {
      const vital = vitals[name];
      if (vital)
        lines.push(
          `vicinity_page_web_vital_seconds{${index},name="${name}"} ${formatNumber(vital.value / 1000)}`,
        );
    }
    family('vicinity_page_cumulative_layout_shift', 'gauge', 'CLS of the page (unitless).');
    if (vitals.CLS)
      lines.push(
        `vicinity_page_cumulative_layout_shift{${index}} ${formatNumber(vitals.CLS.value)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
