// How the benchmark report writes a figure (counts, milliseconds, ratios,
// sizes, long tasks) and lays out a table, as text for the console or as
// Markdown. The tables, the charts and the template's named formats
// (FORMATS, used as `{{name | format}}` in bench/BENCHMARKS.template.md)
// all write their figures with these.

export const int = (x) => Math.round(x).toLocaleString('en-US');
export const ms = (x) => {
  if (x === null || x === undefined) return '—';
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  if (x < 100) return x.toFixed(1);
  return int(x);
};
export const times = (x) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 10) return `${x.toFixed(0)}×`;
  if (x >= 1) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
};
export const us = (milliseconds) => (milliseconds * 1000).toFixed(1);
export const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
export const recall = (x) => x.toFixed(3);
export const pct = (x) => `${Math.round(x * 100)} %`;
export const task = (x) => (x === null || x === undefined ? 'none ≥ 50 ms' : `${ms(x)} ms`);
/** A duration in seconds from 1 s up, in milliseconds below. */
export const seconds = (x) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${ms(x)} ms`);
/** A range of ratios, `{ min, max }`: one ratio when both ends write the same. */
export const span = ({ min, max }) =>
  times(min) === times(max) ? times(min) : `${times(min)} to ${times(max)}`;
export const point = (p) =>
  `${int(p.qps)} QPS (ef ${p.ef}${p.reached ? '' : `, recall ${recall(p.recall)}`})`;
export const longestRatio = (r) => {
  if (r.longestTask !== null) return times(r.longestTask);
  return r.longestTaskAtMost === null ? '—' : `< ${times(r.longestTaskAtMost)}`;
};

/** The formats a template placeholder may name: `{{figure | format}}`. */
export const FORMATS = {
  int,
  ms,
  times,
  us,
  mib,
  kib,
  recall,
  pct,
  task,
  seconds,
  span,
  fixed0: (x) => x.toFixed(0),
};

export function textTable({ header, rows, align }) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells) =>
    cells
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable({ header, rows, align }) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(align.map((a) => (a === 'r' ? '---:' : ':---'))),
    ...rows.map(line),
  ].join('\n');
}
