// A line chart as plain SVG text, for BENCHMARKS.md: recall on a linear x
// axis against queries per second on a log y axis, one line with point
// markers per series, the legend beside the plot so that it never covers a
// line. GitHub shows the file as an image on both its light and dark themes,
// so the chart paints its own light background and dark text.

const FONT = 'system-ui, sans-serif';
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d1d9e0';

/** Text for SVG content and attribute values. */
export function escapeXml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

/** Rounds coordinates so that the file stays small and diffs stay readable. */
const px = (x) => Number(x.toFixed(1));

/**
 * The log axis: the data's range with a margin, reaching out to the nearest
 * tick at 1, 2 or 5 per decade (1 only, over more than three decades) when
 * that is close, so that the ends are labelled; ticks inside the range.
 */
export function logAxis(min, max) {
  const candidates = [];
  const steps = max / min > 1000 ? [1] : [1, 2, 5];
  for (let exp = Math.floor(Math.log10(min)) - 2; exp <= Math.ceil(Math.log10(max)) + 1; exp++) {
    for (const s of steps) candidates.push(s * 10 ** exp);
  }
  const below = candidates.filter((t) => t <= min * (1 + 1e-9)).at(-1);
  const above = candidates.find((t) => t >= max * (1 - 1e-9));
  let lo = min / below <= 1.6 ? below : min / 1.25;
  let hi = above / max <= 1.6 ? above : max * 1.25;
  let ticks = candidates.filter((t) => t >= lo && t <= hi);
  if (ticks.length < 2) {
    lo = below;
    hi = above === below ? candidates[candidates.indexOf(above) + 1] : above;
    ticks = candidates.filter((t) => t >= lo && t <= hi);
  }
  return { lo, hi, ticks };
}

/** A tick step for recall (at most 1) that gives a handful of ticks. */
function recallTicks(min) {
  const floor = Math.max(0, Math.min(min, 1));
  for (const step of [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2]) {
    let lo = Math.floor((floor + 1e-9) / step) * step;
    lo = Math.max(0, Math.min(lo, 1 - 4 * step));
    if ((1 - lo) / step <= 10 + 1e-9) {
      const count = Math.round((1 - lo) / step);
      const decimals = step < 0.01 || step === 0.025 ? 3 : step < 0.1 ? 2 : 1;
      return {
        lo,
        ticks: Array.from({ length: count + 1 }, (_, i) => lo + i * step),
        decimals,
      };
    }
  }
  return { lo: 0, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], decimals: 1 };
}

/** 500, 2k, 10k, 1.5M. */
export function formatCount(value) {
  const trim = (x) => String(Number(x.toPrecision(3)));
  if (value >= 1e6) return `${trim(value / 1e6)}M`;
  if (value >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function marker(shape, hollow, color, size = 5) {
  const fill = hollow ? '#ffffff' : color;
  const common = `fill="${fill}" stroke="${color}" stroke-width="1.6"`;
  const s = size;
  switch (shape) {
    case 'square':
      return `<rect x="${-s + 0.5}" y="${-s + 0.5}" width="${2 * s - 1}" height="${2 * s - 1}" ${common}/>`;
    case 'triangle':
      return `<path d="M0 ${-s - 1}L${s + 0.5} ${s - 0.5}H${-s - 0.5}Z" ${common}/>`;
    case 'diamond':
      return `<path d="M0 ${-s - 1}L${s + 1} 0L0 ${s + 1}L${-s - 1} 0Z" ${common}/>`;
    default:
      return `<circle r="${s}" ${common}/>`;
  }
}

/**
 * The chart as SVG text.
 *
 * `series`: `{ name, points: [{ recall, qps }], color, dash?, marker?, hollow? }`,
 * `marker` one of circle, square, triangle, diamond; `dash` an SVG
 * stroke-dasharray. Points that cannot be drawn (not finite, or QPS ≤ 0) are
 * left out; a series without points is left out of the plot and the legend.
 * `notes`: short lines under the legend. `mark`: `{ recall, label }`, a
 * dotted vertical line at that recall. `id` prefixes the ids of the title and
 * description elements.
 */
export function recallQpsChart({
  id,
  title,
  subtitle = '',
  desc,
  xLabel,
  yLabel,
  series,
  notes = [],
  mark = null,
}) {
  const drawn = series
    .map((s) => ({
      ...s,
      points: s.points.filter(
        (p) => Number.isFinite(p.recall) && Number.isFinite(p.qps) && p.qps > 0,
      ),
    }))
    .filter((s) => s.points.length > 0);
  const all = drawn.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`chart ${id}: no points to draw`);

  const x = recallTicks(Math.min(...all.map((p) => p.recall)));
  const y = logAxis(Math.min(...all.map((p) => p.qps)), Math.max(...all.map((p) => p.qps)));
  const yTicks = y.ticks;

  // Layout. Character widths are estimated (no font metrics without a browser): 0.6 em.
  const legendFont = 13;
  const legendText = [...drawn.map((s) => s.name), ...notes];
  const legendWidth =
    52 + Math.ceil(Math.max(...legendText.map((t) => t.length)) * legendFont * 0.6) + 16;
  const plot = { x: 84, y: subtitle ? 78 : 58, width: 560, height: 400 };
  const legendHeight = 10 + drawn.length * 26 + 8 + notes.length * 19;
  const width = plot.x + plot.width + 28 + legendWidth;
  const height = Math.max(plot.y + plot.height + 70, plot.y + legendHeight + 20);
  const pad = 12; // keeps markers at the edge values inside the frame
  const sx = (recall) => plot.x + pad + ((recall - x.lo) / (1 - x.lo)) * (plot.width - 2 * pad);
  const sy = (qps) =>
    plot.y +
    plot.height -
    pad -
    ((Math.log(qps) - Math.log(y.lo)) / (Math.log(y.hi) - Math.log(y.lo))) *
      (plot.height - 2 * pad);

  const out = [];
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${titleId} ${descId}" ` +
      `font-family="${FONT}" fill="${INK}">`,
    `<title id="${titleId}">${escapeXml(title)}</title>`,
    `<desc id="${descId}">${escapeXml(desc)}</desc>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${plot.x}" y="28" font-size="18" font-weight="600">${escapeXml(title)}</text>`,
  );
  if (subtitle) {
    out.push(
      `<text x="${plot.x}" y="50" font-size="13" fill="${MUTED}">${escapeXml(subtitle)}</text>`,
    );
  }

  // Grid and ticks.
  out.push(`<g class="grid" stroke="${GRID}" stroke-width="1">`);
  for (const t of x.ticks)
    out.push(
      `<line x1="${px(sx(t))}" x2="${px(sx(t))}" y1="${plot.y}" y2="${plot.y + plot.height}"/>`,
    );
  for (const t of yTicks)
    out.push(
      `<line x1="${plot.x}" x2="${plot.x + plot.width}" y1="${px(sy(t))}" y2="${px(sy(t))}"/>`,
    );
  out.push('</g>');
  if (mark && mark.recall > x.lo && mark.recall < 1) {
    const mx = px(sx(mark.recall));
    out.push(
      `<line class="mark" x1="${mx}" x2="${mx}" y1="${plot.y}" y2="${plot.y + plot.height}" ` +
        `stroke="${MUTED}" stroke-width="1.2" stroke-dasharray="2 3"/>`,
      // Low QPS at middling recall is where the lines are not: the bottom, right of the mark.
      `<text class="mark-label" x="${mx + 5}" y="${plot.y + plot.height - 8}" font-size="12" ` +
        `fill="${MUTED}">${escapeXml(mark.label)}</text>`,
    );
  }
  out.push(
    `<rect class="plot" x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}" ` +
      `fill="none" stroke="${MUTED}" stroke-width="1"/>`,
  );
  out.push(`<g class="x-ticks" font-size="12" text-anchor="middle" fill="${INK}">`);
  for (const t of x.ticks) {
    out.push(
      `<text x="${px(sx(t))}" y="${plot.y + plot.height + 18}">${t.toFixed(x.decimals)}</text>`,
    );
  }
  out.push('</g>');
  out.push(`<g class="y-ticks" font-size="12" text-anchor="end" fill="${INK}">`);
  for (const t of yTicks) {
    out.push(`<text x="${plot.x - 8}" y="${px(sy(t) + 4)}">${escapeXml(formatCount(t))}</text>`);
  }
  out.push('</g>');
  out.push(
    `<text class="x-label" x="${plot.x + plot.width / 2}" y="${plot.y + plot.height + 44}" ` +
      `font-size="13" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="y-label" transform="translate(22 ${plot.y + plot.height / 2}) rotate(-90)" ` +
      `font-size="13" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );

  // Lines, then markers on top of every line.
  for (const s of drawn) {
    const points = [...s.points].sort((a, b) => a.recall - b.recall || b.qps - a.qps);
    out.push(
      `<polyline class="series-line" data-series="${escapeXml(s.name)}" fill="none" ` +
        `stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} ` +
        `stroke-linejoin="round" points="${points.map((p) => `${px(sx(p.recall))},${px(sy(p.qps))}`).join(' ')}"/>`,
    );
  }
  for (const s of drawn) {
    out.push(`<g class="series-markers" data-series="${escapeXml(s.name)}">`);
    for (const p of s.points) {
      out.push(
        `<g transform="translate(${px(sx(p.recall))} ${px(sy(p.qps))})">` +
          `${marker(s.marker, s.hollow, s.color)}</g>`,
      );
    }
    out.push('</g>');
  }

  // Legend, right of the plot.
  const lx = plot.x + plot.width + 28;
  let ly = plot.y + 10;
  out.push(`<g class="legend" font-size="${legendFont}">`);
  for (const s of drawn) {
    out.push(
      `<line x1="${lx}" x2="${lx + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" ` +
        `stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<g transform="translate(${lx + 20} ${ly})">${marker(s.marker, s.hollow, s.color)}</g>`,
      `<text x="${lx + 52}" y="${ly + 4.5}">${escapeXml(s.name)}</text>`,
    );
    ly += 26;
  }
  ly += 8;
  for (const note of notes) {
    out.push(`<text x="${lx}" y="${ly + 4.5}" fill="${MUTED}">${escapeXml(note)}</text>`);
    ly += 19;
  }
  out.push('</g>', '</svg>', '');
  return out.join('\n');
}
