import { toJSON, type DashboardDocument } from '../export/toJSON.js';
import type { MetricsSource } from '../export/toPrometheus.js';
import type { IndexCacheApi } from '../cache/IndexCache.js';
import type { OperationStats } from '../monitor/operations.js';
import type { OptimizerHistorySource } from '../optimizer/types.js';
import { el } from './elements.js';
import { formatBytes, formatCount, formatMs, formatPercent, recentThroughput } from './figures.js';
import {
  renderAlerts,
  renderOperations,
  renderOptimizer,
  renderPage,
  renderQueries,
} from './panels.js';
import { DASHBOARD_CSS } from './styles.js';
import { LatencyTimeline } from './LatencyTimeline.js';

/** What the dashboard shows: a VectorIndex is one; its cache's top queries are shown when it has one. */
export type DashboardSource = MetricsSource & { readonly cache?: IndexCacheApi | null };

const TILES = [
  ['p50', 'p50 latency'],
  ['p95', 'p95 latency'],
  ['p99', 'p99 latency'],
  ['throughput', 'Throughput'],
  ['errors', 'Error rate'],
  ['hits', 'Cache hit rate'],
  ['ef', 'efSearch'],
  ['size', 'Index size'],
] as const;
type TileKey = (typeof TILES)[number][0];

let sheet: CSSStyleSheet | undefined;
/** One stylesheet shared by every dashboard of the page. */
function dashboardSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(DASHBOARD_CSS);
  }
  return sheet;
}

/** Base class where custom elements exist; importing the module elsewhere (SSR) does not throw. */
const Base = (typeof HTMLElement === 'undefined' ? Object : HTMLElement) as typeof HTMLElement;

/**
 * `<vicinity-dashboard>`: live figures of one index. Set `index` (a
 * VectorIndex, or anything with `monitor` and `gauges()`) and, when there is
 * one, `optimizer`. It redraws when operations are recorded, at most every
 * `refresh-ms` (default 500), and once a second while shown so that the
 * timeline moves on. Attribute `theme`: `light`, `dark`, or absent to follow
 * the system. Every string is set as text.
 */
export class VicinityDashboard extends Base {
  static readonly observedAttributes = ['theme', 'refresh-ms'];

  #source: DashboardSource | null = null;
  #optimizer: OptimizerHistorySource | null = null;
  readonly #root: ShadowRoot;
  readonly #title: HTMLElement;
  readonly #health: HTMLElement;
  readonly #tiles = new Map<
    TileKey,
    { tile: HTMLElement; value: HTMLElement; detail: HTMLElement }
  >();
  readonly #operations: HTMLElement;
  readonly #alerts: HTMLElement;
  readonly #optimizerList: HTMLElement;
  readonly #page: HTMLElement;
  readonly #queries: HTMLElement;
  readonly #timeline: LatencyTimeline;
  #unsubscribe: (() => void)[] = [];
  #pending: ReturnType<typeof setTimeout> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #lastRender = 0;
  readonly #scheme =
    typeof matchMedia === 'undefined' ? null : matchMedia('(prefers-color-scheme: dark)');
  readonly #onScheme = () => this.#timeline.restyle();

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    // A constructed sheet, not a <style>: a page's CSP (style-src) does not apply to it.
    this.#root.adoptedStyleSheets = [dashboardSheet()];
    this.#title = el('h2', { part: 'title' }, 'vicinity');
    this.#health = el(
      'span',
      { class: 'health', role: 'status', 'data-health': 'no-data' },
      'no data yet',
    );
    const tiles = el('div', { class: 'tiles' });
    for (const [key, label] of TILES) {
      const value = el('span', { class: 'value' }, '–');
      const detail = el('span', { class: 'detail' }, '');
      const tile = el(
        'div',
        { class: 'tile', 'data-tile': key, part: 'tile' },
        el('span', { class: 'label' }, label),
        value,
        detail,
      );
      tiles.append(tile);
      this.#tiles.set(key, { tile, value, detail });
    }
    const chart = el('div', { class: 'chart' });
    this.#timeline = new LatencyTimeline(chart, this);
    const timeline = el(
      'section',
      { class: 'panel timeline', 'aria-label': 'Latency timeline' },
      el('h3', {}, 'Query latency per second, last 2 minutes'),
      chart,
      el(
        'div',
        { class: 'legend' },
        el('span', { class: 'p50' }, 'p50 ms'),
        el('span', { class: 'p95' }, 'p95 ms'),
        el('span', { class: 'rate' }, 'operations/s (right axis)'),
      ),
    );
    const panel = (key: string, title: string, body: HTMLElement) =>
      el(
        'section',
        { class: `panel ${key}`, part: 'panel', 'data-panel': key },
        el('h3', {}, title),
        body,
      );
    this.#operations = el('div', { class: 'scroll' });
    this.#alerts = el('div');
    this.#optimizerList = el('div');
    this.#page = el('div');
    this.#queries = el('div');
    const panels = el(
      'div',
      { class: 'panels' },
      panel('operations', 'Operations (last 5 minutes)', this.#operations),
      panel('alerts', 'Alerts', this.#alerts),
      panel('optimizer', 'Optimizer', this.#optimizerList),
      panel('page', 'Page', this.#page),
      panel('queries', 'Top queries', this.#queries),
    );
    this.#root.append(el('header', {}, this.#title, this.#health), tiles, timeline, panels);
  }

  /** The index shown. */
  get index(): DashboardSource | null {
    return this.#source;
  }

  set index(source: DashboardSource | null) {
    this.#source = source;
    if (this.isConnected) this.#subscribe();
    this.refresh();
  }

  /** The optimizer whose history is shown. */
  get optimizer(): OptimizerHistorySource | null {
    return this.#optimizer;
  }

  set optimizer(optimizer: OptimizerHistorySource | null) {
    this.#optimizer = optimizer;
    this.refresh();
  }

  connectedCallback(): void {
    this.#subscribe();
    this.#scheme?.addEventListener('change', this.#onScheme);
    this.#ticker = setInterval(() => {
      if (!document.hidden) this.refresh();
    }, 1000);
    this.refresh();
  }

  disconnectedCallback(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#scheme?.removeEventListener('change', this.#onScheme);
    clearInterval(this.#ticker);
    clearTimeout(this.#pending);
    this.#pending = undefined;
    this.#timeline.destroy();
  }

  attributeChangedCallback(name: string): void {
    if (name === 'theme') this.#timeline.restyle();
  }

  /** Redraws now. */
  refresh(): void {
    clearTimeout(this.#pending);
    this.#pending = undefined;
    this.#lastRender = performance.now();
    if (!this.isConnected) return;
    const source = this.#source;
    if (!source) {
      this.#title.textContent = 'vicinity';
      return;
    }
    const document = toJSON(source, this.#optimizer?.history() ?? []);
    const now = source.monitor.now();
    const records = source.monitor.records();
    this.#renderHeader(document);
    this.#renderTiles(document, recentThroughput(records, now));
    renderOperations(this.#operations, document.metrics.operations);
    renderAlerts(this.#alerts, document.alerts.active, document.alerts.recent, now);
    renderOptimizer(this.#optimizerList, document, now, this.#optimizer);
    renderPage(this.#page, document);
    renderQueries(this.#queries, source);
    this.#timeline.update(records, now);
  }

  /** The document the dashboard shows now (the same as `toJSON`). */
  toJSON(): DashboardDocument | null {
    return this.#source ? toJSON(this.#source, this.#optimizer?.history() ?? []) : null;
  }

  #subscribe(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    const monitor = this.#source?.monitor;
    if (!monitor) return;
    const schedule = () => this.#schedule();
    this.#unsubscribe.push(monitor.onRecord(schedule), monitor.onAlert(schedule));
    if (monitor.page) this.#unsubscribe.push(monitor.page.onChange(schedule));
  }

  #schedule(): void {
    if (this.#pending !== undefined) return;
    const every = Number(this.getAttribute('refresh-ms') ?? 500) || 500;
    const wait = Math.max(0, this.#lastRender + every - performance.now());
    this.#pending = setTimeout(() => this.refresh(), wait);
  }

  #renderHeader(document: DashboardDocument): void {
    this.#title.textContent = `vicinity · ${document.index.index}`;
    this.#health.textContent = document.health === 'no-data' ? 'no data yet' : document.health;
    this.#health.dataset.health = document.health;
    this.#health.title =
      document.health === 'no-data'
        ? `No searches in the last ${Math.round(document.metrics.windowMs / 60_000)} min: health is judged from them`
        : '';
  }

  #tile(key: TileKey, value: string, detail = '', state: 'ok' | 'warn' | 'bad' = 'ok'): void {
    const tile = this.#tiles.get(key);
    if (!tile) return;
    tile.value.textContent = value;
    tile.detail.textContent = detail;
    tile.tile.dataset.state = state;
  }

  #renderTiles(document: DashboardDocument, throughput: number): void {
    const ops = document.metrics.operations;
    const thresholds = this.#source?.monitor.alerts.thresholds;
    const order = ['search', 'hybridSearch', 'textSearch', 'searchBatch', 'loadtest'] as const;
    const queryName = order.find((op) => ops[op] !== undefined) ?? '';
    const queries = queryName ? ops[queryName] : undefined;
    const latency = queries?.latencyMs;
    const limit = queryName
      ? (this.#source?.monitor.alerts.latencyThreshold(queryName) ?? null)
      : null;
    const slow = (ms: number | undefined) =>
      limit !== null && ms !== undefined && ms > limit ? 'bad' : 'ok';
    this.#tile('p50', formatMs(latency?.p50), queryName || 'no searches yet');
    this.#tile('p95', formatMs(latency?.p95), queryName, slow(latency?.p95));
    this.#tile('p99', formatMs(latency?.p99), queries ? `max ${formatMs(latency?.max)}` : '');
    this.#tile(
      'throughput',
      `${throughput < 10 ? throughput.toFixed(1) : formatCount(throughput)}/s`,
      'operations, last 10 s',
    );
    let count = 0;
    let errors = 0;
    for (const stats of Object.values(ops)) {
      count += stats.count;
      errors += stats.errorRate * stats.count;
    }
    const errorRate = count ? errors / count : null;
    this.#tile(
      'errors',
      formatPercent(errorRate),
      `${formatCount(Math.round(errors))} of ${formatCount(count)}`,
      thresholds && errorRate !== null && errorRate > thresholds.errorRate ? 'bad' : 'ok',
    );
    // The page's own searches of any mode; the load test's when there are none, as for latency.
    const real = [ops.search, ops.hybridSearch, ops.textSearch, ops.searchBatch].filter(
      (s): s is OperationStats => !!s,
    );
    const searches = real.length > 0 || !ops.loadtest ? real : [ops.loadtest];
    const searchCount = searches.reduce((n, s) => n + s.count, 0);
    const hits = searches.reduce((n, s) => n + s.cacheHitRate * s.count, 0);
    const hitRate = searchCount ? hits / searchCount : null;
    this.#tile(
      'hits',
      formatPercent(hitRate),
      `${real.length === 0 && ops.loadtest ? 'loadtest, ' : ''}${formatBytes(document.index.cacheBytes)} cached`,
      thresholds?.cacheHitRate != null &&
        hitRate !== null &&
        searchCount >= thresholds.minSamples &&
        hitRate < thresholds.cacheHitRate
        ? 'warn'
        : 'ok',
    );
    const ef = queries?.efSearch;
    this.#tile(
      'ef',
      String(document.index.efSearch),
      ef != null && ef !== document.index.efSearch ? `last query ${ef}` : 'default',
    );
    this.#tile('size', formatCount(document.index.size), 'vectors');
  }
}
