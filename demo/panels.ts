// The side panels: a load test, the optimizer's switch and history, and the
// query cache's figures. Every string goes in as text.
import { mountCapacity } from './capacity.js';
import {
  AdaptiveOptimizer,
  LoadTester,
  VicinityError,
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

function mountLoadTest(index: VectorIndex, examples: string[]): void {
  const users = $<HTMLInputElement>('load-users');
  const duration = $<HTMLInputElement>('load-seconds');
  const button = $<HTMLButtonElement>('load-start');
  const out = $<HTMLParagraphElement>('load-progress');
  let running: AbortController | null = null;
  button.disabled = false;
  button.addEventListener('click', () => {
    if (running) {
      running.abort();
      return;
    }
    const controller = (running = new AbortController());
    button.textContent = 'Stop';
    out.dataset.state = 'running';
    void new LoadTester(index)
      .run({
        queries: examples,
        users: bounded(users, 1, 64),
        durationMs: bounded(duration, 1, 120) * 1000,
        thinkTimeMs: [0, 20],
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
          out.dataset.state = 'done';
          out.textContent =
            `${result.stopped === 'aborted' ? 'Stopped' : 'Done'}: ${count(result.requests)} searches in ` +
            `${(result.durationMs / 1000).toFixed(1)} s, ${count(result.requestsPerSecond)}/s; ` +
            `p50 ${ms(result.latencyMs.p50)}, p95 ${ms(result.latencyMs.p95)}, ` +
            `p99 ${ms(result.latencyMs.p99)}; every search measured the index, past the query cache; ` +
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

function describe(d: OptimizerDecision): string {
  const what = d.parameter === 'efSearch' ? 'efSearch' : 'cache';
  const size = (n: number) => (d.parameter === 'efSearch' ? String(n) : `${count(n / 1024)} KiB`);
  // A validated change's note starts with its outcome ("kept: …", "reverted: …").
  return `${what} ${size(d.from)} → ${size(d.to)}: ${d.validation ?? `${d.outcome}. ${d.reason}`}`;
}

/** Demo users that keep searching while the optimizer is on, so that it has latencies to read. */
const BACKGROUND = { users: 2, thinkTimeMs: [20, 80] as [number, number] };

/**
 * The optimizer's switch. Turned on the first time, it measures this
 * device's p95 at the current efSearch and sets the optimizer's target under
 * it, so that efSearch has to come down, as far as the recall floor lets it;
 * while it is on, two demo users keep searching the example descriptions.
 */
function mountOptimizer(
  index: VectorIndex,
  dashboard: { optimizer: AdaptiveOptimizer | null },
  examples: string[],
): void {
  const toggle = $<HTMLInputElement>('optimizer-switch');
  const state = $<HTMLParagraphElement>('optimizer-state');
  const list = $<HTMLOListElement>('optimizer-history');
  let optimizer: AdaptiveOptimizer | null = null;
  let traffic: AbortController | null = null;
  const render = async () => {
    const { efSearch } = await index.stats();
    if (!optimizer) {
      state.textContent = `Off; efSearch ${efSearch}`;
      return;
    }
    const error = optimizer.lastError;
    const recall = optimizer.history().findLast((d) => d.after?.recall != null)?.after?.recall;
    state.textContent =
      `${optimizer.enabled ? 'On' : 'Off'}; efSearch ${efSearch}; ` +
      `p95 target ${ms(optimizer.policy.settings.targetP95Ms)}` +
      (recall != null ? `; recall@10 ≈ ${(recall * 100).toFixed(0)} %` : '') +
      (error ? `; last error ${error.code}` : '');
    list.replaceChildren(
      ...optimizer
        .history()
        .slice(-8)
        .reverse()
        .map((d) => {
          const li = document.createElement('li');
          li.dataset.outcome = d.outcome;
          li.textContent = describe(d);
          return li;
        }),
    );
  };
  const calibrate = async (): Promise<AdaptiveOptimizer> => {
    state.textContent = 'Measuring this device…';
    // The same traffic as the demo users' own, so that the target fits what the optimizer will read.
    const probe = await new LoadTester(index).run({
      queries: examples,
      ...BACKGROUND,
      durationMs: 3000,
      search: { k: 10 },
    });
    // Under what this device does now: the optimizer has a reason to lower efSearch.
    const targetP95Ms = Math.max(0.1, Math.round(probe.latencyMs.p95 * 7) / 10);
    const made = new AdaptiveOptimizer(index, {
      targetP95Ms,
      intervalMs: 2000,
      cooldownMs: 4000,
      cacheBytes: null,
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
      void start().then(render, (error: unknown) => {
        state.textContent =
          error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
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
