// The tables of one size of a run: recall and QPS per efSearch, the pool
// against one worker, the sides compared at the operating point, the
// engines' costs one by one, and hnswlib-wasm called on the page. As text
// for the console (formatSize) or as Markdown for BENCHMARKS.md
// (sizeMarkdownTables). The tables across sizes are in bench/report-run-tables.mjs.
import { engineNames } from './report-figures.mjs';
import {
  int,
  longestRatio,
  markdownTable,
  mib,
  ms,
  point,
  recall,
  task,
  textTable,
  times,
  us,
} from './report-format.mjs';
import { operatingPoint, TARGET_RECALL } from './summarise.mjs';

/** Recall and QPS per efSearch: every engine, one worker; hnswlib-wasm on the page; native. */
function efTable(size) {
  const names = engineNames(size);
  const { direct } = size;
  const header = [
    'efSearch',
    ...names.flatMap((e) => [`${e} recall`, `${e} search QPS`, `${e} searchBatch QPS`]),
    ...(direct ? ['direct recall', 'direct QPS', 'direct slowest query'] : []),
    'native recall',
    'native QPS',
  ];
  const rows = size.native.search.map((nat, i) => [
    String(nat.ef),
    ...names.flatMap((e) => {
      const v = size.engines[e];
      return [recall(v.search[i].recall), int(v.search[i].qps), int(v.searchBatch[i].qps)];
    }),
    ...(direct
      ? [
          recall(direct.search[i].recall),
          int(direct.search[i].qps),
          `${ms(direct.search[i].slowestQueryMs)} ms`,
        ]
      : []),
    recall(nat.recall),
    int(nat.qps),
  ]);
  return { header, rows, align: header.map(() => 'r') };
}

/** The pool against one worker, per efSearch. */
function poolTable(size) {
  const { pool } = size;
  const w = `${pool.workers} workers`;
  const header = [
    'efSearch',
    'recall',
    'searchBatch QPS, 1 worker',
    `searchBatch QPS, ${w}`,
    'gain',
    `search QPS, ${pool.callers} callers, 1 worker`,
    `search QPS, ${pool.callers} callers, ${w}`,
    'gain',
  ];
  const rows = pool.oneWorker.searchBatch.map((one, i) => {
    const many = pool.pooled.searchBatch[i];
    const oneC = pool.oneWorker.concurrentSearch[i];
    const manyC = pool.pooled.concurrentSearch[i];
    return [
      String(one.ef),
      recall(one.recall),
      int(one.qps),
      int(many.qps),
      times(many.qps / one.qps),
      int(oneC.qps),
      int(manyC.qps),
      times(manyC.qps / oneC.qps),
    ];
  });
  return { header, rows, align: header.map(() => 'r') };
}

/**
 * Each engine, hnswlib-wasm on the page and native side by side, at the
 * operating point, with the ratios.
 */
function comparisonTable(size) {
  const names = engineNames(size);
  const { native: n, ratios, pool, direct } = size;
  const pair = names.length === 2 && ratios.simdToWasm !== null;
  const header = [
    '',
    ...names,
    ...(direct ? ['hnswlib-wasm direct, main thread'] : []),
    'native hnswlib-node',
    ...names.map((e) => `${e} / native`),
    ...(direct ? ['direct / native'] : []),
    ...(pair ? ['simd / hnswlib-wasm'] : []),
  ];
  /**
   * One row: `each` per engine, then the cells of the direct side, native,
   * the ratio of each engine to native, of direct to native, and simd / hnswlib-wasm.
   */
  const row = (
    label,
    each,
    { direct: directCell = '—', native, ratio, directRatio = '', pair: pairCell = '' },
  ) => [
    label,
    ...names.map((e) => each(size.engines[e], e)),
    ...(direct ? [directCell] : []),
    native,
    ...names.map((e) => ratio(ratios.toNative[e], e)),
    ...(direct ? [directRatio] : []),
    ...(pair ? [pairCell] : []),
  ];
  const op = (key) => (v) => point(operatingPoint(v[key]));
  const pooled = (e) => pool?.engine === e;
  const d = ratios.directToNative;
  const rows = [
    row('build', (v) => `${int(v.buildVectorsPerSecond)} vectors/s`, {
      direct: direct && `${int(direct.buildVectorsPerSecond)} vectors/s`,
      native: `${int(n.buildVectorsPerSecond)} vectors/s`,
      ratio: (r) => times(r.build),
      directRatio: d && times(d.build),
      pair: pair && times(ratios.simdToWasm.build),
    }),
    row(`search at recall ≥ ${TARGET_RECALL}`, op('search'), {
      direct: direct && point(operatingPoint(direct.search)),
      native: point(operatingPoint(n.search)),
      ratio: (r) => times(r.search.ratio),
      directRatio: d && times(d.search.ratio),
      pair: pair && times(ratios.simdToWasm.search.ratio),
    }),
    row(`searchBatch at recall ≥ ${TARGET_RECALL}, 1 worker`, op('searchBatch'), {
      native: point(operatingPoint(n.search)),
      ratio: (r) => times(r.searchBatch.ratio),
      pair: pair && times(ratios.simdToWasm.searchBatch.ratio),
    }),
  ];
  if (pool) {
    rows.push(
      row(
        `searchBatch at recall ≥ ${TARGET_RECALL}, ${pool.workers} workers`,
        (_, e) => (pooled(e) ? point(operatingPoint(pool.pooled.searchBatch)) : '—'),
        {
          native: point(operatingPoint(n.search)),
          ratio: (r) => (r.searchBatchPooled ? times(r.searchBatchPooled.ratio) : '—'),
        },
      ),
    );
  }
  rows.push(
    row('cold open', (v) => `${ms(v.coldOpenMs)} ms`, {
      native: `${ms(n.openMs)} ms (readIndex)`,
      ratio: (r) => times(r.coldOpen),
      pair: pair && times(ratios.simdToWasm.coldOpen),
    }),
    row('save', (v) => `${ms(v.saveMs)} ms`, {
      native: `${ms(n.saveMs)} ms (writeIndex)`,
      ratio: (r) => times(r.save),
      pair: pair && times(ratios.simdToWasm.save),
    }),
    row('longest main-thread task', (v) => task(v.longestTaskMs.overall), {
      direct: direct && task(direct.longestTaskMs.overall),
      native: `${ms(n.longestBlockMs.overall)} ms blocked`,
      ratio: longestRatio,
      directRatio: d && longestRatio(d),
    }),
    row('WASM memory after cold open', (v) => mib(v.wasmMemoryBytes.afterColdOpen), {
      direct: direct && `${mib(direct.wasmMemoryBytes)} after build`,
      native: '',
      ratio: () => '',
      pair: pair && times(ratios.simdToWasm.wasmMemory),
    }),
    row('stored size', (v) => `${mib(v.snapshotBytes)} snapshot`, {
      native: `${mib(n.fileBytes)} file`,
      ratio: () => '',
    }),
  );
  const lastLeft = names.length + (direct ? 2 : 1);
  return {
    header,
    rows: rows.map((cells) => cells.map((c) => (typeof c === 'string' ? c : ''))),
    align: header.map((_, c) => (c === 0 || c <= lastLeft ? 'l' : 'r')),
  };
}

function detailTable(size) {
  const names = engineNames(size);
  const { pool } = size;
  const each = (label, cell) => [label, ...names.map((e) => cell(size.engines[e], e))];
  const rows = [
    each('create empty index (worker + WASM start)', (v) => `${ms(v.createMs)} ms`),
    each('save', (v) => `${ms(v.saveMs)} ms, ${mib(v.snapshotBytes)}`),
    each('cold open (page reloaded)', (v) => `${ms(v.coldOpenMs)} ms`),
    each('first search after cold open', (v) => `${ms(v.firstSearchMs)} ms`),
    each('open again in the same page', (v) => `${ms(v.reopenMs)} ms`),
    each('query cache hit p50 / p99 (per call)', (v) =>
      v.cache ? `${us(v.cache.hitP50Ms)} / ${us(v.cache.hitP99Ms)} µs` : '—',
    ),
    each('query cache miss p50 / p99 (per call)', (v) =>
      v.cache ? `${us(v.cache.missP50Ms)} / ${us(v.cache.missP99Ms)} µs` : '—',
    ),
    each('cache hit against miss, p50', (v) => {
      if (!v.cache) return '—';
      // A hit's median can fall under the page timer's step: no finite ratio then.
      if (!Number.isFinite(v.cache.hitSpeedup)) return 'hit p50 under the timer step';
      return `${v.cache.hitSpeedup.toFixed(0)}× faster`;
    }),
    each('WASM memory after build', (v) => mib(v.wasmMemoryBytes.afterBuild)),
    each('WASM memory after cold open', (v) => mib(v.wasmMemoryBytes.afterColdOpen)),
    each('longest task: build', (v) => task(v.longestTaskMs.build)),
    each('longest task: search', (v) => task(v.longestTaskMs.search)),
    each('longest task: searchBatch', (v) => task(v.longestTaskMs.searchBatch)),
    each('longest task: save', (v) => task(v.longestTaskMs.save)),
    each('longest task: cold open + first search', (v) => task(v.longestTaskMs.open)),
  ];
  if (pool) {
    const only = (cell) => (_, e) => (e === pool.engine ? cell : '—');
    rows.push(
      each(`open with ${pool.workers} workers`, only(`${ms(pool.openMs)} ms`)),
      each('then until the replicas are ready', only(`${ms(pool.replicasReadyMs)} ms`)),
      each(
        `longest task: searches on ${pool.workers} workers`,
        only(task(pool.pooled.longestTaskMs)),
      ),
    );
  }
  return { header: ['', ...names], rows, align: ['l', ...names.map(() => 'r')] };
}

/** hnswlib-wasm called on the page's main thread: what it costs the page. */
function directTable(size) {
  const { direct, queries } = size;
  const slowest = direct.search.reduce((a, b) => (b.slowestQueryMs > a.slowestQueryMs ? b : a));
  const rows = [
    [
      'load hnswlib-wasm on the page (import, WASM compile, IDBFS mount)',
      `${ms(direct.loadMs)} ms`,
    ],
    [
      'build (addPoint; a new task every 1,000 vectors)',
      `${ms(direct.buildMs)} ms, ${int(direct.buildVectorsPerSecond)} vectors/s`,
    ],
    ['longest task: loading the module', task(direct.longestTaskMs.load)],
    ['longest task: build', task(direct.longestTaskMs.build)],
    ['longest batch of addPoint calls (timed on the page)', `${ms(direct.longestBatchMs)} ms`],
    [
      `longest task: searches (all ${int(queries)} queries of a pass in one task)`,
      task(direct.longestTaskMs.search),
    ],
    ['slowest single query', `${ms(slowest.slowestQueryMs)} ms (efSearch ${slowest.ef})`],
    ['WASM memory after build', mib(direct.wasmMemoryBytes)],
  ];
  return {
    header: ['', 'hnswlib-wasm direct, main thread'],
    rows,
    align: ['l', 'r'],
  };
}

function sizeTitle(size, config) {
  return (
    `${int(size.vectors)} vectors × ${size.dimensions} dims, ${int(size.queries)} queries, ` +
    `k ${size.k}, M ${config.M}, efConstruction ${config.efConstruction}`
  );
}

function sizeTables(size) {
  const pool = size.pool ? [poolTable(size)] : [];
  const direct = size.direct ? [directTable(size)] : [];
  return [efTable(size), ...pool, comparisonTable(size), detailTable(size), ...direct];
}

/** The console summary of one size. */
export function formatSize(size, config) {
  const title = sizeTitle(size, config);
  return [`${title}\n${'='.repeat(title.length)}`, ...sizeTables(size).map(textTable)].join('\n\n');
}

/**
 * The Markdown tables of one size, by name; `pool` and `direct` are null
 * when the size was measured without them.
 */
export function sizeMarkdownTables(size) {
  return {
    ef: markdownTable(efTable(size)),
    pool: size.pool ? markdownTable(poolTable(size)) : null,
    comparison: markdownTable(comparisonTable(size)),
    detail: markdownTable(detailTable(size)),
    direct: size.direct ? markdownTable(directTable(size)) : null,
  };
}
