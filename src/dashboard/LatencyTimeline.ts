import uPlot from 'uplot';
import type { OperationRecord } from '../monitor/operations.js';
import { timelineColumns, type TimelineColumns } from './figures.js';

const SECONDS = 120;
const HEIGHT = 180;

/**
 * The dashboard's latency timeline, drawn by uPlot: p50 and p95 of the
 * query operations per second, and operations per second on a second axis.
 * Colours come from the host's custom properties; `restyle()` rebuilds the
 * chart when they change (theme).
 */
export class LatencyTimeline {
  readonly #container: HTMLElement;
  readonly #host: HTMLElement;
  #plot: uPlot | null = null;
  #data: TimelineColumns | null = null;
  #resize: ResizeObserver | null = null;

  constructor(container: HTMLElement, host: HTMLElement) {
    this.#container = container;
    this.#host = host;
  }

  update(records: readonly OperationRecord[], now: number): void {
    this.#data = timelineColumns(records, now, SECONDS);
    if (this.#plot) this.#plot.setData(this.#data);
    else this.#create();
  }

  /** Rebuilds the chart with the host's current colours. */
  restyle(): void {
    this.#plot?.destroy();
    this.#plot = null;
    if (this.#data) this.#create();
  }

  destroy(): void {
    this.#resize?.disconnect();
    this.#resize = null;
    this.#plot?.destroy();
    this.#plot = null;
  }

  #create(): void {
    const width = this.#container.clientWidth;
    if (width === 0 || !this.#data) return; // not laid out yet: the next update draws
    const css = getComputedStyle(this.#host);
    const color = (name: string) => css.getPropertyValue(name).trim() || '#888';
    const muted = color('--vd-muted');
    const grid = { stroke: color('--vd-grid'), width: 1 };
    const ticks = { stroke: color('--vd-grid'), width: 1 };
    const font = '11px system-ui, sans-serif';
    const rate = color('--vd-rate');
    this.#plot = new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: [1 - SECONDS, 0] },
          ms: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
          rate: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
        },
        axes: [
          {
            stroke: muted,
            grid,
            ticks,
            font,
            space: 60,
            incrs: [10, 15, 30, 60],
            values: (_u, splits) => splits.map((s) => (s === 0 ? 'now' : `${s} s`)),
          },
          {
            scale: 'ms',
            stroke: muted,
            grid,
            ticks,
            font,
            size: 48,
            label: 'ms',
            labelSize: 14,
            labelFont: font,
            values: (_u, splits) => splits.map((v) => formatTick(v)),
          },
          { scale: 'rate', side: 1, stroke: muted, grid: { show: false }, ticks, font, size: 40 },
        ],
        series: [
          {},
          // Seconds without a query are gaps; a line spans them, and a point
          // marks each second that had queries, so that a search every few
          // seconds draws a line and a lone one a dot, not nothing.
          {
            label: 'p50',
            scale: 'ms',
            stroke: color('--vd-p50'),
            width: 1.5,
            spanGaps: true,
            points: { show: true, size: 4 },
          },
          {
            label: 'p95',
            scale: 'ms',
            stroke: color('--vd-p95'),
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5 },
          },
          { label: 'operations/s', scale: 'rate', stroke: rate, width: 1, fill: `${rate}22` },
        ],
      },
      this.#data,
      this.#container,
    );
    if (!this.#resize) {
      this.#resize = new ResizeObserver(() => {
        const next = this.#container.clientWidth;
        if (next > 0 && this.#plot && next !== this.#plot.width)
          this.#plot.setSize({ width: next, height: HEIGHT });
      });
      this.#resize.observe(this.#container);
    }
  }
}

/** An axis value in ms without its unit (the axis is labelled): 0, 0.25, 1.5, 40, 1.2k. */
function formatTick(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(2))}k`;
  return String(Number(ms.toPrecision(2)));
}
