import { health, type Alert, type Health } from '../monitor/AlertManager.js';
import type { OptimizerDecision } from '../optimizer/types.js';
import type { PageHealthSnapshot } from '../monitor/PageHealth.js';
import type { MonitorSnapshot } from '../monitor/operations.js';
import type { IndexGauges, MetricsSource } from './toPrometheus.js';

/** The dashboard document: everything the dashboard shows, as plain JSON. */
export interface DashboardDocument {
  /** ISO time the document was made. */
  readonly generatedAt: string;
  readonly index: IndexGauges;
  readonly metrics: MonitorSnapshot;
  /** Web vitals and long tasks of the page (null for a monitor without one). */
  readonly page: PageHealthSnapshot | null;
  /** `no-data` while there are no searches in the window and no alert (during a first build, say). */
  readonly health: Health;
  readonly alerts: { readonly active: Alert[]; readonly recent: Alert[] };
  /** The optimizer's decisions, oldest first (empty while there is no optimizer). */
  readonly optimizer: { readonly history: readonly OptimizerDecision[] };
}

/** The monitor, its alerts and the index's gauges as one JSON-serialisable document. */
export function toJSON(
  source: MetricsSource,
  optimizerHistory: readonly OptimizerDecision[] = [],
  recentAlerts = 20,
): DashboardDocument {
  const { monitor } = source;
  const { alerts } = monitor;
  const gauges = source.gauges();
  const active = alerts.active();
  const metrics = monitor.snapshot();
  return {
    generatedAt: new Date().toISOString(),
    index: { ...gauges },
    metrics,
    page: monitor.page?.snapshot() ?? null,
    health: health(active, metrics),
    alerts: { active, recent: alerts.history().slice(-recentAlerts) },
    optimizer: { history: [...optimizerHistory] },
  };
}
