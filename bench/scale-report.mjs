// The results of `npm run bench -- --scale` (bench/scale.mjs): per set,
// recall and QPS per efSearch, costs and their ratios to native hnswlib-node;
// the console tables, a chart of each cost against N, and the scale section
// of BENCHMARKS.md, which the full benchmark's report keeps as it is. The
// section's prose is bench/SCALE.template.md, filled with the figures and
// tables made here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeXml, formatCount, logAxis } from './chart.mjs';
import { markdownTable, textTable } from './report-format.mjs';
import { fillTemplate } from './report-template.mjs';
import { operatingPoint, passes, TARGET_RECALL } from './summarise.mjs';

export const SCALE_CHART = 'bench/charts/scale-costs.svg';
/** The template of the scale section of BENCHMARKS.md, which holds all of its prose. */
export const SCALE_TEMPLATE = fileURLToPath(new URL('./SCALE.template.md', import.meta.url));
const BEGIN = '<!-- scale:begin (written by npm run bench -- --scale --markdown) -->';
const END = '<!-- scale:end -->';

/**
 * `doc` without any scale section, and `section` (by default the one in
 * `old`) at its end: the full report keeps what the scale run wrote.
 */
export function withScaleSection(doc, old, section = null) {
  const find = (text) => {
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    return a >= 0 && b > a ? [a, b + END.length] : null;
  };
  const kept = section === null ? (find(old) ? old.slice(...find(old)) : null) : null;
  const span = find(doc);
  const rest = span ? doc.slice(0, span[0]) + doc.slice(span[1]) : doc;
  const body = section === null ? kept : `${BEGIN}\n\n${section.trim()}\n\n${END}`;
  return body ? `${rest.trimEnd()}\n\n${body}\n` : rest;
}

const perSecond = (count, ms) => (count * 1000) / ms;

/** One lane on one set: the raw timings of bench/scale.mjs turned into figures and ratios. */
export function summariseScale(data, lane, raw) {
  const search = passes(raw.search.search, data);
  const searchBatch = passes(raw.search.searchBatch, data);
  const nativeSearch = passes(raw.native.search, data);
  const at = {
    search: operatingPoint(search),
    searchBatch: operatingPoint(searchBatch),
    native: operatingPoint(nativeSearch),
  };
  const { build, save, open, resave, native } = raw;
  return {
    lane: lane.id,
    engine: build.engine,
    dimensions: data.dimensions,
    n: data.n,
    q: data.q,
    realRows: data.realRows,
    build: {
      ms: build.buildMs,
      vectorsPerSecond: perSecond(data.n, build.buildMs),
      wasmMemoryBytes: build.wasmMemoryBytes,
      bytesPerVector: build.wasmMemoryBytes / data.n,
      longestTaskMs: build.longestTaskMs,
    },
    search,
    searchBatch,
    at,
    longestTaskMs: raw.longestTaskMs,
    save: {
      ms: save.saveMs,
      snapshotBytes: save.snapshotBytes,
      wasmMemoryBytes: save.wasmMemoryBytes,
      jsHeapBytes: save.jsHeapBytes ?? null,
      longestTaskMs: save.longestTaskMs,
    },
    open: {
      ms: open.openMs,
      firstSearchMs: open.firstSearchMs,
      wasmMemoryBytes: open.wasmMemoryBytes,
      bytesPerVector: open.wasmMemoryBytes / data.n,
      jsHeapBytes: open.jsHeapBytes ?? null,
      longestTaskMs: open.longestTaskMs,
    },
    resave: {
      upserted: resave.upserted,
      upsertMs: resave.upsertMs,
      ms: resave.saveMs,
      byteLength: resave.byteLength,
      writtenBytes: resave.writtenBytes ?? resave.byteLength,
      snapshotBytes: resave.snapshotBytes,
      longestTaskMs: resave.longestTaskMs,
    },
    native: {
      buildMs: native.buildMs,
      vectorsPerSecond: perSecond(data.n, native.buildMs),
      search: nativeSearch,
      saveMs: native.saveMs,
      fileBytes: native.fileBytes,
      openMs: native.openMs,
      firstSearchMs: native.firstSearchMs,
    },
    // Above 1 favours vicinity for build and QPS; below 1 for the times.
    ratios: {
      build: native.buildMs / build.buildMs,
      searchQps: at.search.qps / at.native.qps,
      searchBatchQps: at.searchBatch.qps / at.native.qps,
      save: save.saveMs / native.saveMs,
      open: open.openMs / native.openMs,
      firstSearch: open.firstSearchMs / native.firstSearchMs,
      snapshotBytes: save.snapshotBytes / native.fileBytes,
    },
  };
}

const x = (r) => (r >= 10 ? `${r.toFixed(0)}×` : r >= 1 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`);
const ms = (v) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const int = (v) => Math.round(v).toLocaleString('en-US');
const task = (t) => (t === null || t === undefined ? '< 50 ms' : `${t.toFixed(0)} ms`);
const qpsAt = (point) => `${int(point.qps)} (ef ${point.ef}${point.reached ? '' : ', < target'})`;

/** The formats the scale template may name: `{{figure | format}}`. */
const SCALE_FORMATS = {
  int,
  times: x,
  time: ms,
  wholeMib: mb,
  longest: task,
  fixed0: (v) => v.toFixed(0),
  fixed1: (v) => v.toFixed(1),
  fixed3: (v) => v.toFixed(3),
};

function summaryRows(sets) {
  return sets.map((s) => [
    s.lane,
    int(s.n),
    String(s.dimensions),
    `${int(s.build.vectorsPerSecond)} (${x(s.ratios.build)})`,
    `${qpsAt(s.at.search)} ${x(s.ratios.searchQps)}`,
    `${qpsAt(s.at.searchBatch)} ${x(s.ratios.searchBatchQps)}`,
    `${mb(s.build.wasmMemoryBytes)} (${int(s.build.bytesPerVector)} B/vector)`,
    `${ms(s.save.ms)} (${x(s.ratios.save)})`,
    ms(s.resave.ms),
    `${ms(s.open.ms)} (${x(s.ratios.open)})`,
    `${ms(s.open.firstSearchMs)} (${x(s.ratios.firstSearch)})`,
  ]);
}

const SUMMARY_HEADER = [
  'lane',
  'N',
  'dims',
  'build vectors/s (/ native)',
  `search QPS @ ${TARGET_RECALL} (/ native)`,
  `searchBatch QPS @ ${TARGET_RECALL} (/ native)`,
  'WASM heap after build',
  'save (/ native write)',
  'save after 1,000 upserts',
  'cold open (/ native read)',
  'first search after open (/ native)',
];

function efRows(s) {
  return s.search.map((row, i) => {
    const batch = s.searchBatch[i];
    const native = s.native.search[i];
    return [
      String(row.ef),
      row.recall.toFixed(3),
      int(row.qps),
      batch.recall.toFixed(3),
      int(batch.qps),
      native.recall.toFixed(3),
      int(native.qps),
      x(row.qps / native.qps),
      x(batch.qps / native.qps),
    ];
  });
}

const EF_HEADER = [
  'efSearch',
  'recall search',
  'search QPS',
  'recall searchBatch',
  'searchBatch QPS',
  'recall native',
  'native QPS',
  'search / native',
  'searchBatch / native',
];

/** Pairs of a float32 and an int8 lane on the same set, for the quantization comparison. */
function quantizedPairs(sets) {
  return sets
    .filter((s) => s.lane === 'int8')
    .map((int8) => ({
      int8,
      float32: sets.find(
        (s) => s.lane === 'float32' && s.n === int8.n && s.dimensions === int8.dimensions,
      ),
    }))
    .filter((pair) => pair.float32 !== undefined);
}

const COMPARE_HEADER = [
  'efSearch',
  'recall float32',
  'recall int8',
  'int8 − float32',
  'search QPS float32',
  'search QPS int8',
  'int8 / float32',
  'searchBatch int8 / float32',
  'int8 search / native',
  'int8 searchBatch / native',
];

function compareRows({ int8, float32 }) {
  return int8.search.map((row, i) => {
    const f = float32.search[i];
    const native = int8.native.search[i];
    return [
      String(row.ef),
      f.recall.toFixed(3),
      row.recall.toFixed(3),
      (row.recall - f.recall).toFixed(3),
      int(f.qps),
      int(row.qps),
      x(row.qps / f.qps),
      x(int8.searchBatch[i].qps / float32.searchBatch[i].qps),
      x(row.qps / native.qps),
      x(int8.searchBatch[i].qps / native.qps),
    ];
  });
}

/** Bytes per vector of both lanes and their ratios, and int8's largest loss of recall. */
function pairFigures({ int8, float32 }) {
  const snap = (s) => s.save.snapshotBytes / s.n;
  return {
    snapshotBytesPerVector: {
      int8: snap(int8),
      float32: snap(float32),
      ratio: snap(int8) / snap(float32),
    },
    openBytesPerVector: {
      int8: int8.open.bytesPerVector,
      float32: float32.open.bytesPerVector,
      ratio: int8.open.bytesPerVector / float32.open.bytesPerVector,
    },
    buildBytesPerVector: { int8: int8.build.bytesPerVector, float32: float32.build.bytesPerVector },
    largestRecallLoss: Math.max(...int8.search.map((r, i) => float32.search[i].recall - r.recall)),
  };
}

/** The console's line on a pair's bytes per vector (BENCHMARKS.md's is in the template). */
function compareBytes(pair) {
  const f = pairFigures(pair);
  return (
    `Bytes per vector, int8 against float32: snapshot ${int(f.snapshotBytesPerVector.int8)} ` +
    `against ${int(f.snapshotBytesPerVector.float32)} B (${x(f.snapshotBytesPerVector.ratio)}); ` +
    `WASM heap after a cold open ${int(f.openBytesPerVector.int8)} against ` +
    `${int(f.openBytesPerVector.float32)} B (${x(f.openBytesPerVector.ratio)}; the whole heap, ` +
    `growth slack included); after the build ${int(f.buildBytesPerVector.int8)} against ` +
    `${int(f.buildBytesPerVector.float32)} B. Largest recall@10 loss at any efSearch: ` +
    `${f.largestRecallLoss.toFixed(3)}.`
  );
}

/** The console tables: one summary row per set, then recall and QPS per efSearch. */
export function formatScale(sets) {
  if (sets.length === 0) return 'no sets measured';
  const out = [
    textTable({
      header: SUMMARY_HEADER,
      rows: summaryRows(sets),
      align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    }),
  ];
  for (const s of sets) {
    out.push(
      '',
      `${s.lane}, ${int(s.n)} × ${s.dimensions}: recall@10 and QPS per efSearch`,
      textTable({ header: EF_HEADER, rows: efRows(s), align: EF_HEADER.map(() => 'r') }),
    );
  }
  for (const pair of quantizedPairs(sets)) {
    out.push(
      '',
      `int8 against float32, ${int(pair.int8.n)} × ${pair.int8.dimensions}, same efSearch`,
      textTable({
        header: COMPARE_HEADER,
        rows: compareRows(pair),
        align: COMPARE_HEADER.map(() => 'r'),
      }),
      compareBytes(pair),
    );
  }
  return out.join('\n');
}

// ---- the chart ----------------------------------------------------------------

const DASH = { 384: '', 768: '6 4' };

/** What each panel shows: a value per set and side, null where there is none. */
const PANELS = [
  {
    title: 'build (s)',
    sides: [
      ['tab', (s) => s.build.ms / 1000],
      ['native', (s) => s.native.buildMs / 1000],
    ],
  },
  {
    title: `ms per query @ recall ${TARGET_RECALL}`,
    sides: [
      ['search', (s) => 1000 / s.at.search.qps],
      ['searchBatch', (s) => 1000 / s.at.searchBatch.qps],
      ['native', (s) => 1000 / s.at.native.qps],
    ],
  },
  {
    title: 'WASM heap after build (MiB)',
    sides: [['tab', (s) => s.build.wasmMemoryBytes / 2 ** 20]],
  },
  {
    title: 'save (ms)',
    sides: [
      ['full', (s) => s.save.ms],
      ['after 1,000 upserts', (s) => s.resave.ms],
      ['native write', (s) => s.native.saveMs],
    ],
  },
  {
    title: 'cold open (ms)',
    sides: [
      ['tab', (s) => s.open.ms],
      ['native read', (s) => s.native.openMs],
    ],
  },
  {
    title: 'first search after open (ms)',
    sides: [
      ['tab', (s) => s.open.firstSearchMs],
      ['native', (s) => s.native.firstSearchMs],
    ],
  },
];

const SIDE_COLORS = ['#0969da', '#bc4c00', '#1a7f37'];
const px = (v) => Number(v.toFixed(1));

function panel(sets, spec, ox, oy, w, h) {
  const out = [];
  const series = [];
  const groups = new Map();
  for (const s of sets) {
    const key = `${s.lane}|${s.dimensions}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  for (const [key, group] of groups) {
    const [lane, dims] = key.split('|');
    spec.sides.forEach(([side, value], i) => {
      const points = group
        .map((s) => ({ n: s.n, v: value(s) }))
        .filter((p) => Number.isFinite(p.v) && p.v > 0)
        .sort((a, b) => a.n - b.n);
      if (points.length > 0) {
        series.push({
          name: `${side === 'native' || side.startsWith('native') ? side : `${lane} ${side}`}, ${dims}-d`,
          points,
          color: SIDE_COLORS[i % SIDE_COLORS.length],
          dash: DASH[dims] ?? '2 3',
        });
      }
    });
  }
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.n);
  const vs = all.map((p) => p.v);
  const xa =
    Math.min(...xs) === Math.max(...xs)
      ? logAxis(Math.min(...xs) / 2, Math.max(...xs) * 2)
      : logAxis(Math.min(...xs), Math.max(...xs));
  const ya = logAxis(Math.min(...vs), Math.max(...vs));
  const plot = { x: ox + 58, y: oy + 30, w: w - 70, h: h - 150 };
  const sx = (n) =>
    plot.x + ((Math.log(n) - Math.log(xa.lo)) / (Math.log(xa.hi) - Math.log(xa.lo))) * plot.w;
  const sy = (v) =>
    plot.y +
    plot.h -
    ((Math.log(v) - Math.log(ya.lo)) / (Math.log(ya.hi) - Math.log(ya.lo))) * plot.h;
  out.push(
    `<text x="${ox + 10}" y="${oy + 18}" font-size="14" font-weight="600">${escapeXml(spec.title)}</text>`,
  );
  out.push(`<g stroke="#d1d9e0" stroke-width="1">`);
  for (const t of xa.ticks)
    out.push(`<line x1="${px(sx(t))}" x2="${px(sx(t))}" y1="${plot.y}" y2="${plot.y + plot.h}"/>`);
  for (const t of ya.ticks)
    out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${px(sy(t))}" y2="${px(sy(t))}"/>`);
  out.push('</g>');
  out.push(
    `<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="none" stroke="#59636e"/>`,
  );
  out.push(`<g font-size="11" text-anchor="middle">`);
  for (const t of xa.ticks)
    out.push(`<text x="${px(sx(t))}" y="${plot.y + plot.h + 14}">${formatCount(t)}</text>`);
  out.push('</g>', `<g font-size="11" text-anchor="end">`);
  for (const t of ya.ticks)
    out.push(`<text x="${plot.x - 5}" y="${px(sy(t) + 4)}">${formatCount(t)}</text>`);
  out.push('</g>');
  out.push(
    `<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 30}" font-size="11" text-anchor="middle" fill="#59636e">vectors (N, log)</text>`,
  );
  for (const s of series) {
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} ` +
        `points="${s.points.map((p) => `${px(sx(p.n))},${px(sy(p.v))}`).join(' ')}"/>`,
    );
    for (const p of s.points) {
      out.push(`<circle cx="${px(sx(p.n))}" cy="${px(sy(p.v))}" r="3.5" fill="${s.color}"/>`);
    }
  }
  let ly = plot.y + plot.h + 48;
  for (const s of series) {
    out.push(
      `<line x1="${ox + 10}" x2="${ox + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${ox + 46}" y="${ly}" font-size="11">${escapeXml(s.name)}</text>`,
    );
    ly += 15;
  }
  return out.join('\n');
}

/** Each cost against N, log–log, one panel per cost; solid 384-d, dashed 768-d. */
export function scaleChart(results) {
  const { sets } = results;
  const cols = 3;
  const w = 340;
  const h = 360;
  const rows = Math.ceil(PANELS.length / cols);
  const width = cols * w + 20;
  const height = rows * h + 60;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `role="img" aria-labelledby="scale-title" font-family="system-ui, sans-serif" fill="#1f2328">`,
    `<title id="scale-title">How each cost grows with N (vicinity in headless Chromium and native hnswlib-node)</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="18" font-weight="600">How each cost grows with N</text>`,
    `<text x="20" y="48" font-size="12" fill="#59636e">${escapeXml(
      `${results.finishedAt.slice(0, 10)}; log–log; solid 384-d, dashed 768-d; a shared ` +
        '2-core machine: compare lines within a panel',
    )}</text>`,
  ];
  PANELS.forEach((spec, i) => {
    const ox = 10 + (i % cols) * w;
    const oy = 60 + Math.floor(i / cols) * h;
    if (sets.some((s) => spec.sides.some(([, value]) => Number.isFinite(value(s))))) {
      out.push(panel(sets, spec, ox, oy, w, h));
    }
  });
  out.push('</svg>', '');
  return out.join('\n');
}

// ---- BENCHMARKS.md ----------------------------------------------------------

/** Where a skipped set's time is bounded: the largest set of its lane and D, else the largest. */
function estimate(skip, sets) {
  if (skip.reason.startsWith('estimated')) return null;
  const largestOf = (list) => list.reduce((a, b) => (b.n > (a?.n ?? 0) ? b : a), null);
  const same = sets.filter((t) => t.dimensions === skip.dimensions && t.lane === skip.lane);
  const from = largestOf(same) ?? largestOf(sets);
  if (!from) return null;
  // A lower bound: HNSW's build cost per vector grows with log N.
  return {
    n: from.n,
    dimensions: from.dimensions,
    vectorsPerSecond: from.build.vectorsPerSecond,
    tabMinutes: skip.n / from.build.vectorsPerSecond / 60,
    nativeMinutes: skip.n / from.native.vectorsPerSecond / 60,
  };
}

/** What the scale template's placeholders name: the run's figures, its tables and its chart. */
export function scaleContext(results) {
  const { sets, skipped, config, machine } = results;
  const orNull = (v) => v ?? null;
  return {
    command: results.command,
    date: results.finishedAt.slice(0, 10),
    minutes: results.durationMs / 60_000,
    machine,
    config,
    target: TARGET_RECALL,
    copies: sets.some((s) => s.n > s.realRows)
      ? { aboveRows: Math.max(...sets.map((s) => s.realRows)) }
      : null,
    table: {
      summary: markdownTable({
        header: SUMMARY_HEADER,
        rows: summaryRows(sets),
        align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      }),
    },
    chart: SCALE_CHART,
    sets: sets.map((s) => ({
      lane: s.lane,
      n: s.n,
      dimensions: s.dimensions,
      table: markdownTable({ header: EF_HEADER, rows: efRows(s), align: EF_HEADER.map(() => 'r') }),
      snapshotBytes: s.save.snapshotBytes,
      nativeFileBytes: s.native.fileBytes,
      open: { wasmMemoryBytes: s.open.wasmMemoryBytes, bytesPerVector: s.open.bytesPerVector },
      jsHeap:
        s.open.jsHeapBytes === null || s.open.jsHeapBytes === undefined
          ? null
          : { afterSave: orNull(s.save.jsHeapBytes), afterOpen: s.open.jsHeapBytes },
      resave: {
        upserted: s.resave.upserted,
        upsertMs: s.resave.upsertMs,
        writtenBytes: s.resave.writtenBytes,
        byteLength: s.resave.byteLength,
        writtenPercent: (100 * s.resave.writtenBytes) / s.resave.byteLength,
      },
      longestTaskMs: {
        build: orNull(s.build.longestTaskMs),
        search: orNull(s.longestTaskMs.search),
        searchBatch: orNull(s.longestTaskMs.searchBatch),
        save: orNull(s.save.longestTaskMs),
        open: orNull(s.open.longestTaskMs),
      },
    })),
    pairs: quantizedPairs(sets).map((pair) => ({
      n: pair.int8.n,
      dimensions: pair.int8.dimensions,
      table: markdownTable({
        header: COMPARE_HEADER,
        rows: compareRows(pair),
        align: COMPARE_HEADER.map(() => 'r'),
      }),
      ...pairFigures(pair),
    })),
    skipped: skipped.map((skip) => ({
      lane: skip.lane,
      n: skip.n,
      dimensions: skip.dimensions,
      reason: skip.reason,
      estimate: estimate(skip, sets),
    })),
  };
}

/**
 * The scale section of BENCHMARKS.md, from the results of a scale run and
 * the template (by default the file).
 */
export function scaleMarkdown(results, template = readFileSync(SCALE_TEMPLATE, 'utf8')) {
  return fillTemplate(template, scaleContext(results), {
    formats: SCALE_FORMATS,
    source: 'bench/SCALE.template.md',
  });
}
