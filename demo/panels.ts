// The side panels: a load test, the optimizer's switch and history, and the
// query cache's figures. Every string goes in as text.
import {
  LoadTester,
  VicinityError,
  type AdaptiveOptimizer,
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
  return `${what} ${size(d.from)} → ${size(d.to)}: ${d.outcome}. ${d.validation ?? d.reason}`;
}

function mountOptimizer(index: VectorIndex, optimizer: AdaptiveOptimizer): void {
  const toggle = $<HTMLInputElement>('optimizer-switch');
  const state = $<HTMLParagraphElement>('optimizer-state');
  const list = $<HTMLOListElement>('optimizer-history');
  const render = async () => {
    const { efSearch } = await index.stats();
    const error = optimizer.lastError;
    state.textContent =
      `${optimizer.enabled ? 'On' : 'Off'}; efSearch ${efSearch}; ` +
      `p95 target ${ms(optimizer.policy.settings.targetP95Ms)}` +
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
  toggle.disabled = false;
  toggle.checked = optimizer.enabled;
  toggle.addEventListener('change', () => {
    if (toggle.checked) optimizer.enable();
    else optimizer.disable();
    void render();
  });
  optimizer.onChange(() => void render());
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
  optimizer: AdaptiveOptimizer,
  examples: string[],
): void {
  mountLoadTest(index, examples);
  mountOptimizer(index, optimizer);
  mountCache(index);
}
