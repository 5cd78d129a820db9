/**
 * The dashboard's panels below the tiles: operations, alerts, optimizer,
 * page and top queries, each drawn into its panel's body.
 */
import type { DashboardDocument } from '../export/toJSON.js';
import type { IndexCacheApi } from '../cache/IndexCache.js';
import type { Alert } from '../monitor/AlertManager.js';
import { VITALS } from '../monitor/PageHealth.js';
import type { Operation, OperationStats } from '../monitor/operations.js';
import type { OptimizerHistorySource } from '../optimizer/types.js';
import { el } from './elements.js';
import { formatAgo, formatCount, formatMs, formatPercent } from './figures.js';

export function renderOperations(
  body: HTMLElement,
  operations: Partial<Record<Operation, OperationStats>>,
): void {
  const entries = Object.entries(operations) as [Operation, OperationStats][];
  if (entries.length === 0) {
    body.replaceChildren(el('p', { class: 'empty' }, 'No operations yet.'));
    return;
  }
  const head = el(
    'tr',
    {},
    ...['operation', 'count', 'p50', 'p95', 'p99', 'worker p50', 'errors'].map((h) =>
      el('th', { scope: 'col', 'data-col': h }, h),
    ),
  );
  const rows = entries.map(([op, s]) =>
    el(
      'tr',
      { 'data-operation': op },
      el('td', {}, op),
      el('td', {}, formatCount(s.count)),
      el('td', {}, formatMs(s.latencyMs.p50)),
      el('td', {}, formatMs(s.latencyMs.p95)),
      el('td', { 'data-col': 'p99' }, formatMs(s.latencyMs.p99)),
      el('td', {}, formatMs(s.workerMs?.p50)),
      el('td', {}, formatPercent(s.errorRate)),
    ),
  );
  body.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

export function renderAlerts(
  body: HTMLElement,
  active: readonly Alert[],
  recent: readonly Alert[],
  now: number,
): void {
  const activeIds = new Set(active.map((a) => `${a.id}@${a.raisedAt}`));
  const past = recent.filter(
    (a) => a.clearedAt !== null && !activeIds.has(`${a.id}@${a.raisedAt}`),
  );
  const shown = [...active, ...past.reverse()].slice(0, 8);
  if (shown.length === 0) {
    body.replaceChildren(el('p', { class: 'empty' }, 'No alerts.'));
    return;
  }
  const items = shown.map((alert) => {
    const item = el(
      'li',
      { 'data-severity': alert.severity },
      el('span', { class: 'what' }, alert.message),
      el(
        'span',
        { class: 'meta' },
        alert.clearedAt === null
          ? `${alert.severity}, ${formatAgo(alert.raisedAt, now)}`
          : `cleared ${formatAgo(alert.clearedAt, now)}`,
      ),
    );
    if (alert.clearedAt !== null) item.dataset.cleared = '';
    return item;
  });
  body.replaceChildren(el('ul', {}, ...items));
}

export function renderOptimizer(
  body: HTMLElement,
  document: DashboardDocument,
  now: number,
  optimizer: OptimizerHistorySource | null,
): void {
  const history = document.optimizer.history;
  if (history.length === 0) {
    body.replaceChildren(
      el('p', { class: 'empty' }, optimizer ? 'No changes yet.' : 'No optimizer attached.'),
    );
    return;
  }
  const items = history
    .slice(-8)
    .reverse()
    .map((d) =>
      el(
        'li',
        {},
        el('span', { class: 'what' }, `${d.parameter} ${d.from} → ${d.to}`),
        el('span', { class: 'meta' }, [d.outcome, formatAgo(d.at, now)].filter(Boolean).join(', ')),
        el('div', { class: 'meta' }, d.reason),
      ),
    );
  body.replaceChildren(el('ul', {}, ...items));
}

export function renderPage(body: HTMLElement, document: DashboardDocument): void {
  const page = document.page;
  if (!page) {
    body.replaceChildren(el('p', { class: 'empty' }, 'Not observed.'));
    return;
  }
  const rows: HTMLElement[] = [];
  for (const name of VITALS) {
    const vital = page.vitals[name];
    const value =
      vital === undefined ? '–' : name === 'CLS' ? vital.value.toFixed(3) : formatMs(vital.value);
    rows.push(el('dt', {}, name), el('dd', vital ? { 'data-rating': vital.rating } : {}, value));
  }
  const tasks = page.longTasks;
  rows.push(
    el('dt', {}, 'Long tasks'),
    el(
      'dd',
      tasks.vicinity.count > 0 ? { 'data-rating': 'poor' } : {},
      tasks.observed
        ? `${tasks.count} (longest ${formatMs(tasks.maxMs)}), ${tasks.vicinity.count} during vicinity work`
        : 'not reported by this browser',
    ),
  );
  body.replaceChildren(el('dl', { class: 'vitals' }, ...rows));
}

export function renderQueries(
  body: HTMLElement,
  source: { readonly cache?: IndexCacheApi | null },
): void {
  const top = source.cache?.topQueries(1, 5) ?? [];
  if (top.length === 0) {
    body.replaceChildren(
      el('p', { class: 'empty' }, source.cache ? 'No queries yet.' : 'No query cache.'),
    );
    return;
  }
  const items = top.map((q) => {
    const query = typeof q.query === 'string' ? q.query : `vector (${q.query.length} d)`;
    const filter = q.filter === undefined ? '' : ` where ${JSON.stringify(q.filter)}`;
    return el(
      'li',
      {},
      el('span', { class: 'what' }, `${query}${filter}`),
      el('span', { class: 'meta' }, `×${q.count}, k ${q.k}`),
    );
  });
  body.replaceChildren(el('ul', {}, ...items));
}
