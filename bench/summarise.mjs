// The raw timings of one size from bench/run.mjs turned into its results,
// as bench/run.mjs saves them in bench/results/: recall and QPS per
// efSearch, the ratios between the engines, the worker pool, hnswlib-wasm
// on the main thread and native hnswlib, each side at its operating point
// (the lowest efSearch whose recall reaches TARGET_RECALL).

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

export function maxOf(values) {
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
