// The charts of the benchmark report: one recall/QPS chart per size, its
// series and their styles, and where the files go. bench/chart.mjs draws
// them as SVG.
import { recallQpsChart } from './chart.mjs';
import { engineNames } from './report-figures.mjs';
import { int, recall } from './report-format.mjs';
import { TARGET_RECALL } from './summarise.mjs';

/** Where the charts of a full run go, from the repository root; BENCHMARKS.md links them there. */
export const CHART_DIR = 'bench/charts';

/** The file name of one size's chart. */
export function chartFile(vectors) {
  return `recall-qps-${vectors}.svg`;
}

/*
 * Okabe–Ito colours, which stay apart for the common colour-vision
 * deficiencies; one colour per engine, a marker shape per engine as well,
 * and per call: dashed with hollow markers for `search`, solid and filled
 * for `searchBatch`.
 */
const ENGINE_STYLE = {
  simd: { color: '#0072B2', marker: 'circle' },
  'hnswlib-wasm': { color: '#D55E00', marker: 'square' },
};
const OTHER_ENGINE_STYLE = [
  { color: '#CC79A7', marker: 'circle' },
  { color: '#E69F00', marker: 'square' },
];
const DIRECT_STYLE = { color: '#009E73', marker: 'triangle' };
const NATIVE_STYLE = { color: '#3b3b3b', marker: 'diamond', dash: '9 3 2 3' };

/** The lines of one size's chart: vicinity per engine and call, hnswlib-wasm direct, native. */
export function chartSeries(size) {
  const points = (rows) => rows.map((row) => ({ recall: row.recall, qps: row.qps, ef: row.ef }));
  const series = [];
  engineNames(size).forEach((e, i) => {
    const style = ENGINE_STYLE[e] ?? OTHER_ENGINE_STYLE[i % OTHER_ENGINE_STYLE.length];
    const v = size.engines[e];
    series.push(
      {
        name: `vicinity search, ${e}`,
        points: points(v.search),
        ...style,
        dash: '6 4',
        hollow: true,
      },
      { name: `vicinity searchBatch, ${e}`, points: points(v.searchBatch), ...style },
    );
  });
  if (size.direct) {
    series.push({
      name: 'hnswlib-wasm direct, main thread',
      points: points(size.direct.search),
      ...DIRECT_STYLE,
    });
  }
  series.push({ name: 'native hnswlib-node', points: points(size.native.search), ...NATIVE_STYLE });
  return series;
}

/** The recall/QPS chart of one size, as SVG text. */
export function sizeChart(size, config) {
  const series = chartSeries(size);
  const efs = size.native.search.map((row) => row.ef);
  const efText = efs.length > 1 ? `${efs[0]} to ${efs.at(-1)}` : String(efs[0]);
  const atTarget = series
    .map((s) => {
      const rows = s.points;
      const hit = rows.find((p) => p.recall >= TARGET_RECALL);
      return hit
        ? `${s.name} ${int(hit.qps)} QPS (efSearch ${hit.ef}, recall ${recall(hit.recall)})`
        : `${s.name} did not reach recall ${TARGET_RECALL} (best ${recall(Math.max(...rows.map((p) => p.recall)))})`;
    })
    .join('; ');
  return recallQpsChart({
    id: `recall-qps-${size.vectors}`,
    title: `Recall@${size.k} against queries per second, ${int(size.vectors)} vectors`,
    subtitle:
      `${size.dimensions} dims, ${int(size.queries)} queries, M ${config.M}, efConstruction ` +
      `${config.efConstruction}; one point per efSearch (${efText}); up and right is better`,
    desc:
      `Recall@${size.k} on the x axis against queries per second on a log-scale y axis, ` +
      `${int(size.vectors)} vectors, one line per way of searching and one point per ` +
      `efSearch (${efs.join(', ')}). At the lowest efSearch with recall ≥ ${TARGET_RECALL}: ` +
      `${atTarget}.`,
    xLabel: `recall@${size.k} (share of the true ${size.k} nearest found)`,
    yLabel: 'queries per second (log scale)',
    series,
    mark: { recall: TARGET_RECALL, label: `recall ${TARGET_RECALL}` },
    notes: [
      'search: one awaited call per query',
      'searchBatch: all queries in one call',
      'vicinity: one Web Worker',
      'direct: hnswlib-wasm called on the',
      'page itself, blocking it meanwhile',
      'native: hnswlib-node in Node.js',
    ],
  });
}

/** Every size's chart: `{ file, svg }`. */
export function renderCharts(results) {
  return results.sizes.map((size) => ({
    file: chartFile(size.vectors),
    svg: sizeChart(size, results.config),
  }));
}
