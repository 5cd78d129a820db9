// The side panels: a load test, the optimizer's switch and history, and the
// query cache's figures. Every string goes in as text.
import { mountCapacity } from './capacity.js';
import {
  AdaptiveOptimizer,
  LoadTester,
  VicinityError,
  type LoadTestResult,
  type OptimizerDecision,
  type VectorIndex,
} from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
export const count = (n: number) => Math.round(n).toLocaleString('en');
const ms = (x: number) => `${x.toFixed(1)} ms`;

function bounded(input: HTMLInputElement, min: number, max: number): number {
  const value = Math.round(Number(input.value));
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}

/** A share, 0 to 1, as a percentage. */
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

/** What the cache did in a load test, from its result: how much it answered, and what was measured. */
function cacheLine(result: LoadTestResult): string {
  const answered = `${count(result.cacheHits)} (${percent(result.cacheHitRate)}) answered by the query cache`;
  if (result.cacheHits === 0) {
    const why = result.cache === 'bypassed' ? 'which was bypassed' : 'which held none of them';
    return `${answered}, ${why}: every search measured the index`;
  }
  // Above a few percent, the latencies describe the cache more than the index (LoadTestResult).
  return result.cacheHitRate > 0.05
    ? `${answered}: the figures describe the cache more than the index`
    : `${answered}: the rest measured the index`;
}

function mountLoadTest(index: VectorIndex, examples: string[]): void {
  const users = $<HTMLInputElement>('load-users');
  const duration = $<HTMLInputElement>('load-seconds');
  const viaCache = $<HTMLInputElement>('load-cache');
  const button = $<HTMLButtonElement>('load-start');
  const out = $<HTMLParagraphElement>('load-progress');
  let running: AbortController | null = null;
  button.disabled = false;
  viaCache.disabled = false;
  button.addEventListener('click', () => {
    if (running) {
      running.abort();
      return;
    }
    const controller = (running = new AbortController());
    button.textContent = 'Stop';
    out.dataset.state = 'running';
    for (const name of ['data-cache', 'data-cache-hits', 'data-cache-hit-rate', 'data-requests'])
      out.removeAttribute(name);
    void new LoadTester(index)
      .run({
        queries: examples,
        users: bounded(users, 1, 64),
        durationMs: bounded(duration, 1, 120) * 1000,
        thinkTimeMs: [0, 20],
        cache: viaCache.checked ? 'use' : 'bypass',
        search: { k: 10 },
        signal: controller.signal,
        onProgress: (p) => {
          out.textContent =
            `${count(p.done)} searches · ${count(p.requestsPerSecond)}/s · p95 ${ms(p.p95Ms)} · ` +
            `${p.activeUsers} users · ${count(p.errors)} errors`;
        },
      })
      .then(
        (result) => {
          // The result's own figures, beside the words made of them.
          Object.assign(out.dataset, {
            cache: result.cache,
            cacheHits: String(result.cacheHits),
            cacheHitRate: String(result.cacheHitRate),
            requests: String(result.requests),
          });
          out.dataset.state = 'done';
          out.textContent =
            `${result.stopped === 'aborted' ? 'Stopped' : 'Done'}: ${count(result.requests)} searches in ` +
            `${(result.durationMs / 1000).toFixed(1)} s, ${count(result.requestsPerSecond)}/s; ` +
            `p50 ${ms(result.latencyMs.p50)}, p95 ${ms(result.latencyMs.p95)}, ` +
            `p99 ${ms(result.latencyMs.p99)}; ${cacheLine(result)}; ` +
            `${count(result.errors)} errors.`;
        },
        (error: unknown) => {
          out.dataset.state = 'error';
          out.textContent =
            error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
        },
      )
      .finally(() => {
        running = null;
        button.textContent = 'Start';
      });
  });
}

/** "efSearch 64 → 48", "cache 1,024 → 1,536 KiB". */
function change(d: OptimizerDecision): string {
  if (d.parameter === 'efSearch') return `efSearch ${d.from} → ${d.to}`;
  return `cache ${count(d.from / 1024)} → ${count(d.to / 1024)} KiB`;
}

function describe(d: OptimizerDecision): string {
  // A validated change's note starts with its outcome ("kept: …", "reverted: …").
  return `${change(d)}: ${d.validation ?? `${d.outcome}. ${d.reason}`}`;
}

/** The latest decision in full: what moved, why, and how it was judged. */
function latest(d: OptimizerDecision): string {
  const outcome =
    d.validation ?? (d.outcome === 'pending' ? 'being judged on the next searches' : d.outcome);
  return `Latest: ${change(d)}. Why: ${d.reason}. Outcome: ${outcome}.`;
}

/** Demo users that keep searching while the optimizer is on, so that it has latencies to read. */
const BACKGROUND = { users: 2, thinkTimeMs: [20, 80] as [number, number] };

/**
 * The optimizer's switch. Turned on the first time, it measures this
 * device's p95 at the current efSearch and sets the optimizer's target under
 * it, so that efSearch has to come down, as far as the recall floor lets it;
 * while it is on, two demo users keep searching the example descriptions.
 * The panel shows efSearch, the estimated recall at it, and the latest
 * decision with its reason.
 */
function mountOptimizer(
  index: VectorIndex,
  dashboard: { optimizer: AdaptiveOptimizer | null },
  examples: string[],
): void {
  const toggle = $<HTMLInputElement>('optimizer-switch');
  const state = $<HTMLParagraphElement>('optimizer-state');
  const last = $<HTMLParagraphElement>('optimizer-latest');
  const list = $<HTMLOListElement>('optimizer-history');
  let optimizer: AdaptiveOptimizer | null = null;
  let traffic: AbortController | null = null;
  /** The p95 the calibration measured, ms; null while it runs. */
  let measured: number | null = 0;
  /** Why the last start failed, shown until the next. */
  let failed: string | null = null;
  // One drawing at a time; a change during one is drawn right after it.
  let drawing: Promise<void> | null = null;
  let again = false;
  const render = async (): Promise<void> => {
    if (drawing) {
      again = true;
      return drawing;
    }
    drawing = draw().finally(() => {
      drawing = null;
      if (again) {
        again = false;
        void render();
      }
    });
    return drawing;
  };
  const draw = async () => {
    if (failed !== null) {
      state.textContent = failed;
      return;
    }
    if (measured === null) {
      state.textContent = 'Measuring this device…';
      return;
    }
    const { efSearch } = await index.stats();
    if (!optimizer) {
      state.textContent = `Off; efSearch ${efSearch}`;
      return;
    }
    const { settings } = optimizer.policy;
    // Estimated at the current value from the samples of the demo users' searches.
    const recall = await optimizer.recall.estimate(efSearch).catch(() => null);
    const error = optimizer.lastError;
    state.dataset.floor = String(settings.recallFloor);
    if (recall && recall.samples > 0) state.dataset.recall = String(recall.recall);
    else delete state.dataset.recall;
    state.textContent =
      `${optimizer.enabled ? 'On' : 'Off'}; efSearch ${efSearch}; ` +
      `p95 target ${ms(settings.targetP95Ms)}, under the ${ms(measured)} measured here; ` +
      (recall && recall.samples > 0
        ? `recall@10 at ${efSearch} ≈ ${percent(recall.recall)} of ${count(recall.samples)} samples, floor ${percent(settings.recallFloor)}`
        : 'recall@10 not estimated yet') +
      (error ? `; last error ${error.code}` : '');
    const history = optimizer.history();
    const newest = history.at(-1);
    const floor = optimizer.policy.floor;
    last.textContent =
      (newest
        ? latest(newest)
        : 'No change yet: it waits for enough searches and recall samples.') +
      (floor.unreachable ? ` Holding: ${floor.reason}.` : '');
    list.replaceChildren(
      ...history
        .slice(-8)
        .reverse()
        .map((d) => {
          const li = document.createElement('li');
          li.dataset.parameter = d.parameter;
          li.dataset.from = String(d.from);
          li.dataset.to = String(d.to);
          li.dataset.outcome = d.outcome;
          if (d.after?.recall != null) li.dataset.recall = String(d.after.recall);
          li.textContent = describe(d);
          return li;
        }),
    );
  };
  const calibrate = async (): Promise<AdaptiveOptimizer> => {
    measured = null;
    void render();
    // The same traffic as the demo users' own, so that the target fits what the optimizer will read.
    const probe = await new LoadTester(index).run({
      queries: examples,
      ...BACKGROUND,
      durationMs: 4000,
      search: { k: 10 },
    });
    measured = probe.latencyMs.p95;
    // Under what this device does now, so that the optimizer has a reason to lower efSearch:
    // 70 % of the p95, but no more than 1.5 × the p50, which a slow second (a garbage
    // collection, a save) does not move, so that such a second cannot set a target high
    // enough for the optimizer to raise efSearch instead.
    const targetP95Ms = Math.max(
      0.1,
      Math.round(Math.min(0.7 * probe.latencyMs.p95, 1.5 * probe.latencyMs.p50) * 10) / 10,
    );
    const made = new AdaptiveOptimizer(index, {
      targetP95Ms,
      intervalMs: 2000,
      cooldownMs: 4000,
      cacheBytes: null,
      // Each exact answer compares all 117,000 definitions. At the default share of the
      // worker's time (5 %) the first 8 samples, which efSearch needs before it can come
      // down, take over two minutes; a demo gives them a quarter of it.
      recall: { maxShare: 0.25 },
    });
    made.onChange(() => void render());
    dashboard.optimizer = made;
    return made;
  };
  const start = async () => {
    optimizer ??= await calibrate();
    if (!toggle.checked) return; // switched off while measuring
    optimizer.enable();
    traffic = new AbortController();
    void new LoadTester(index).run({
      queries: examples,
      users: BACKGROUND.users,
      thinkTimeMs: BACKGROUND.thinkTimeMs,
      durationMs: 3_600_000,
      search: { k: 10 },
      signal: traffic.signal,
    });
  };
  toggle.disabled = false;
  toggle.checked = false;
  toggle.addEventListener('change', () => {
    if (toggle.checked) {
      failed = null;
      void start().then(render, (error: unknown) => {
        measured = 0;
        failed = error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
        void render();
      });
    } else {
      traffic?.abort();
      traffic = null;
      optimizer?.disable();
      void render();
    }
  });
  setInterval(() => void render(), 2000);
  void render();
}

function mountCache(index: VectorIndex): void {
  const list = $<HTMLDListElement>('cache-stats');
  const render = () => {
    const stats = index.cache?.stats();
    const rows: [string, string][] = stats
      ? [
          ['hit rate', `${(stats.hitRate * 100).toFixed(1)} %`],
          ['hits', count(stats.hits)],
          ['misses', count(stats.misses)],
          ['answers kept', count(stats.entries)],
          ['size', `${count(stats.bytes / 1024)} of ${count(stats.maxBytes / 1024)} KiB`],
          ['read from IndexedDB on open', count(stats.loaded)],
          ['evicted', count(stats.evictions)],
        ]
      : [['cache', 'off']];
    list.replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.textContent = value;
        dd.dataset.stat = term;
        return [dt, dd];
      }),
    );
  };
  render();
  setInterval(render, 1000);
}

export function mountPanels(
  index: VectorIndex,
  dashboard: { optimizer: AdaptiveOptimizer | null },
  examples: string[],
): void {
  mountLoadTest(index, examples);
  mountCapacity(index, examples);
  mountOptimizer(index, dashboard, examples);
  mountCache(index);
}
