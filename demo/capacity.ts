// The capacity test of the load panel: users stepped until p95 misses the
// target, and a chart of throughput and p95 against users.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LoadTester, VicinityError, type CapacityStep, type VectorIndex } from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const count = (n: number) => Math.round(n).toLocaleString('en');
const ms = (x: number) => `${x.toFixed(1)} ms`;

function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** The chart's width: its container's, at least 200 px. */
function chartWidth(container: HTMLElement): number {
  return Math.max(200, Math.floor(container.clientWidth));
}

/** Throughput (left axis) and p95 (right axis) against users, with the target as a line. */
function draw(container: HTMLElement, steps: readonly CapacityStep[], target: number): uPlot {
  const sorted = [...steps].sort((a, b) => a.users - b.users);
  const data: uPlot.AlignedData = [
    sorted.map((s) => s.users),
    sorted.map((s) => s.requestsPerSecond),
    sorted.map((s) => s.p95Ms),
    sorted.map(() => target),
  ];
  container.replaceChildren();
  const text = css('--muted');
  const grid = { stroke: css('--line'), width: 1 };
  const axis = { stroke: text, grid, ticks: grid, font: '11px system-ui, sans-serif' };
  return new uPlot(
    {
      width: chartWidth(container),
      height: 160,
      // Labels only: with a handful of points, live values under the cursor add nothing.
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3, log: 2 }, ms: { range: (_u, _min, max) => [0, max] } },
      axes: [
        { ...axis, label: 'users', labelSize: 14, size: 30 },
        { ...axis, label: 'searches/s', labelSize: 14, size: 48 },
        { ...axis, scale: 'ms', side: 1, label: 'p95 ms', labelSize: 14, size: 44 },
      ],
      series: [
        { label: 'users' },
        { label: 'searches/s', stroke: css('--accent'), width: 2, points: { show: true } },
        { label: 'p95', scale: 'ms', stroke: css('--bad'), width: 2, points: { show: true } },
        {
          label: 'target',
          scale: 'ms',
          stroke: text,
          width: 1,
          dash: [4, 4],
          points: { show: false },
        },
      ],
    },
    data,
    container,
  );
}

/**
 * The chart of a capacity test: drawn for each step, then sized to its
 * container when the page's width changes and drawn again in the colours of
 * the scheme when the system's changes.
 */
function capacityChart(container: HTMLElement) {
  let plot: uPlot | null = null;
  let shown: { steps: readonly CapacityStep[]; target: number } | null = null;
  const redraw = () => {
    plot?.destroy();
    plot = shown ? draw(container, shown.steps, shown.target) : null;
  };
  new ResizeObserver(() => {
    if (plot && plot.width !== chartWidth(container))
      plot.setSize({ width: chartWidth(container), height: plot.height });
  }).observe(container);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  return (steps: readonly CapacityStep[], target: number) => {
    shown = { steps: [...steps], target };
    redraw();
  };
}

export function mountCapacity(index: VectorIndex, examples: string[]): void {
  const target = $<HTMLInputElement>('capacity-target');
  const button = $<HTMLButtonElement>('capacity-start');
  const out = $<HTMLParagraphElement>('capacity-result');
  const chart = capacityChart($<HTMLDivElement>('capacity-chart'));
  let running: AbortController | null = null;
  button.disabled = false;
  button.addEventListener('click', () => {
    if (running) {
      running.abort();
      return;
    }
    const controller = (running = new AbortController());
    const targetP95Ms = Math.min(1000, Math.max(0.5, Number(target.value) || 10));
    const steps: CapacityStep[] = [];
    button.textContent = 'Stop';
    out.dataset.state = 'running';
    out.textContent = 'Stepping users…';
    void new LoadTester(index)
      .findCapacity({
        queries: examples,
        targetP95Ms,
        users: { from: 1, to: 64 },
        stepMs: 1500,
        search: { k: 10 },
        signal: controller.signal,
        onStep: (step) => {
          steps.push(step);
          out.textContent =
            `${step.users} users: ${count(step.requestsPerSecond)}/s, p95 ${ms(step.p95Ms)}` +
            (step.held ? ' — holds' : ' — misses the target');
          chart(steps, targetP95Ms);
        },
      })
      .then(
        (result) => {
          out.dataset.state = 'done';
          const knee = result.knee;
          out.textContent =
            result.stopped === 'aborted'
              ? 'Stopped.'
              : knee
                ? `Capacity: ${count(knee.requestsPerSecond)} searches/s at ${knee.users} users, ` +
                  `p95 ${ms(knee.p95Ms)} within ${ms(targetP95Ms)}` +
                  (result.stopped === 'max-users'
                    ? ' (64 users, the most tried, still held).'
                    : '.')
                : `Even one user misses a p95 of ${ms(targetP95Ms)} on this device.`;
        },
        (error: unknown) => {
          out.dataset.state = 'error';
          out.textContent =
            error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
        },
      )
      .finally(() => {
        running = null;
        button.textContent = 'Find capacity';
      });
  });
}
