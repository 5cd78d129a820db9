import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  formatCount,
  recallQpsChart,
  type ChartSeries,
  type RecallQpsChartOptions,
} from '../../bench/chart.mjs';

function chart(series: ChartSeries[], extra: Partial<RecallQpsChartOptions> = {}): string {
  return recallQpsChart({
    id: 'c',
    title: 'Recall against QPS',
    desc: 'a test chart',
    xLabel: 'recall@10',
    yLabel: 'queries per second (log scale)',
    series,
    ...extra,
  });
}

const line = (name: string, points: [number, number][]): ChartSeries => ({
  name,
  color: '#0072B2',
  points: points.map(([recall, qps]) => ({ recall, qps })),
});

function attribute(tag: string, name: string): number {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  if (!match) throw new Error(`no ${name} in ${tag}`);
  return Number(match[1]);
}

/** The plot frame: `<rect class="plot" …>`. */
function plotArea(svg: string) {
  const tag = /<rect class="plot"[^>]*>/.exec(svg)?.[0];
  if (!tag) throw new Error('no plot rect');
  const x = attribute(tag, 'x');
  const y = attribute(tag, 'y');
  return { x, y, right: x + attribute(tag, 'width'), bottom: y + attribute(tag, 'height') };
}

/** Centre of every data marker, per series, from `<g class="series-markers">`. */
function markers(svg: string): Map<string, { x: number; y: number }[]> {
  const out = new Map<string, { x: number; y: number }[]>();
  // Each marker is a <g> on its own line; the group closes on a line of its own.
  const groups = svg.matchAll(
    /<g class="series-markers" data-series="([^"]*)">\n([\s\S]*?)\n<\/g>/g,
  );
  for (const [, name, body] of groups) {
    const points = [...body!.matchAll(/translate\(([-\d.]+) ([-\d.]+)\)/g)].map(([, x, y]) => ({
      x: Number(x),
      y: Number(y),
    }));
    out.set(name!, points);
  }
  return out;
}

/** Vertices of every series line. */
function lineVertices(svg: string): { x: number; y: number }[] {
  return [...svg.matchAll(/<polyline class="series-line"[^>]* points="([^"]*)"/g)].flatMap(
    ([, points]) =>
      points!.split(' ').map((pair) => {
        const [x, y] = pair.split(',').map(Number);
        return { x: x!, y: y! };
      }),
  );
}

/** Y of each tick label on the QPS axis, by its text. */
function yTicks(svg: string): Map<string, number> {
  const group = /<g class="y-ticks"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  return new Map(
    [...group.matchAll(/<text x="[^"]*" y="([^"]*)">([^<]*)<\/text>/g)].map(([, y, label]) => [
      label!,
      Number(y),
    ]),
  );
}

/** Fails on an unescaped `<` or `&` in text and on tags that do not nest. */
function expectWellFormed(svg: string): void {
  expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
  const stack: string[] = [];
  for (const [tag, closing, name, selfClosing] of svg.matchAll(
    /<(\/?)([A-Za-z][\w-]*)(?:\s[^<>]*?)?(\/?)>/g,
  )) {
    if (selfClosing) continue;
    if (closing) expect(stack.pop(), tag).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  // Every `<` starts a tag the pattern above saw: none is loose in text.
  const tags = svg.match(/<(\/?)([A-Za-z][\w-]*)(?:\s[^<>]*?)?(\/?)>/g) ?? [];
  expect((svg.match(/</g) ?? []).length).toBe(tags.length);
}

describe('recallQpsChart', () => {
  it('draws every point and line vertex inside the plot frame, and the legend beside it', () => {
    const point = fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 1, max: 5e6, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(point, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        (lines) => {
          const svg = chart(lines.map((points, i) => line(`series ${i}`, points)));
          const plot = plotArea(svg);
          const drawn = [...markers(svg).values()].flat();
          expect(drawn).toHaveLength(lines.flat().length);
          for (const p of [...drawn, ...lineVertices(svg)]) {
            expect(p.x).toBeGreaterThanOrEqual(plot.x);
            expect(p.x).toBeLessThanOrEqual(plot.right);
            expect(p.y).toBeGreaterThanOrEqual(plot.y);
            expect(p.y).toBeLessThanOrEqual(plot.bottom);
          }
          const legend = /<g class="legend"[^>]*>([\s\S]*?)<\/g>\n<\/svg>/.exec(svg)?.[1] ?? '';
          const xs = [...legend.matchAll(/\sx1?="([-\d.]+)"/g)].map(([, x]) => Number(x));
          expect(xs.length).toBeGreaterThan(0);
          expect(Math.min(...xs)).toBeGreaterThan(plot.right);
          expectWellFormed(svg);
        },
      ),
    );
  });

  it('puts QPS on a log scale: 10,000 above 1,000, a decade as tall as the next', () => {
    const svg = chart([
      line('a', [
        [0.9, 1_000],
        [0.95, 10_000],
        [0.99, 100_000],
      ]),
    ]);
    const [low, mid, high] = markers(svg).get('a')!;
    // SVG y grows downwards.
    expect(mid!.y).toBeLessThan(low!.y);
    expect(high!.y).toBeLessThan(mid!.y);
    expect(low!.y - mid!.y).toBeCloseTo(mid!.y - high!.y, 0);
    // Recall grows to the right, linearly.
    expect(mid!.x).toBeGreaterThan(low!.x);
    expect((high!.x - mid!.x) / (mid!.x - low!.x)).toBeCloseTo(0.04 / 0.05, 1);

    const ticks = yTicks(svg);
    for (const label of ['1k', '2k', '5k', '10k', '20k', '50k', '100k']) {
      expect(ticks.has(label), label).toBe(true);
    }
    expect(ticks.get('10k')!).toBeLessThan(ticks.get('1k')!);
    expect(ticks.get('2k')! - ticks.get('10k')!).toBeGreaterThan(
      ticks.get('20k')! - ticks.get('100k')! - 1,
    );
    // The markers sit on their ticks (the label's baseline is 4 below the tick).
    expect(ticks.get('1k')! - 4).toBeCloseTo(low!.y, 0);
    expect(ticks.get('10k')! - 4).toBeCloseTo(mid!.y, 0);
  });

  it('escapes every text it is given', () => {
    const svg = chart([line('search <b>&</b> "x"', [[0.97, 1_500]])], {
      title: 'Recall <script>',
      desc: "it's <desc>",
      notes: ['a < b'],
    });
    expect(svg).toContain('search &lt;b&gt;&amp;&lt;/b&gt; &quot;x&quot;');
    expect(svg).toContain('<title id="c-title">Recall &lt;script&gt;</title>');
    expect(svg).toContain('<desc id="c-desc">it&#39;s &lt;desc&gt;</desc>');
    expect(svg).toContain('a &lt; b');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<script>');
    expectWellFormed(svg);
  });

  it('is readable on a dark page: its own light background, dark text, no web font', () => {
    const svg = chart([line('a', [[0.96, 2_000]])]);
    const width = attribute(/<svg [^>]*>/.exec(svg)![0], 'width');
    const background = /<rect class="background"[^>]*>/.exec(svg)![0];
    expect(background).toContain('fill="#ffffff"');
    expect(attribute(background, 'width')).toBe(width);
    expect(svg).toContain('font-family="system-ui, sans-serif"');
    expect(svg).toMatch(/<svg [^>]*role="img"[^>]*aria-labelledby="c-title c-desc"/);
    expect(svg).not.toMatch(/@import|@font-face|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('leaves out points it cannot draw, and refuses a chart with none', () => {
    const svg = chart([
      line('a', [
        [0.96, 2_000],
        [Number.NaN, 3_000],
        [0.97, 0],
        [0.98, Number.POSITIVE_INFINITY],
      ]),
      line('empty', [[0.9, -1]]),
    ]);
    expect(markers(svg).get('a')).toHaveLength(1);
    expect(svg).not.toContain('data-series="empty"');
    expect(svg).not.toContain('NaN');
    expect(() => chart([line('a', [[0.9, 0]])])).toThrow(/no points/);
  });
});

describe('formatCount and escapeXml', () => {
  it('labels ticks as a reader says them', () => {
    expect([200, 1_000, 2_000, 10_000, 50_000, 1_500_000].map(formatCount)).toEqual([
      '200',
      '1k',
      '2k',
      '10k',
      '50k',
      '1.5M',
    ]);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
