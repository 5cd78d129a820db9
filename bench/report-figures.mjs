// The numbers of the benchmark report. readResults() reads a run's results
// from bench/results/ (bench/summarise.mjs made them from the raw timings);
// runFigures() computes from them every figure BENCHMARKS.md quotes outside
// its tables and charts, findings() those of "What limits it" among them,
// recommendWorkers() the default number of workers the run supports.
// Nothing here writes text: bench/report-format.mjs does.
import { readFileSync } from 'node:fs';
import { maxOf, operatingPoint, TARGET_RECALL } from './summarise.mjs';

/** The engines of one size, in the order they ran. */
export function engineNames(size) {
  return Object.keys(size.engines);
}

/** The results of a run, as bench/run.mjs saved them (bench/results/latest.json and others). */
export function readResults(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

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

/** At the lowest efSearch: what one `search` call costs beyond its share of a `searchBatch`. */
function hopFigures(size) {
  const engines = engineNames(size).map((name) => {
    const v = size.engines[name];
    const one = v.search[0];
    const batch = v.searchBatch[0];
    const hop = one.msPerQuery - batch.msPerQuery;
    return {
      name,
      ef: one.ef,
      searchMs: one.msPerQuery,
      batchMs: batch.msPerQuery,
      hop,
      share: hop / one.msPerQuery,
      gain: batch.qps / one.qps,
    };
  });
  const simd = engines.find((p) => p.name === 'simd');
  const wasm = engines.find((p) => p.name === 'hnswlib-wasm');
  const similar =
    simd && wasm && Math.max(simd.hop, wasm.hop) < 1.35 * Math.min(simd.hop, wasm.hop);
  let concurrent = null;
  if (size.pool) {
    const seq = size.engines[size.pool.engine].search[0];
    const conc = size.pool.oneWorker.concurrentSearch[0];
    const batch = size.pool.oneWorker.searchBatch[0];
    const pooled = size.pool.pooled.concurrentSearch[0];
    concurrent = {
      callers: size.pool.callers,
      ef: conc.ef,
      qps: conc.qps,
      oneCallerQps: seq.qps,
      gain: conc.qps / seq.qps,
      batchQps: batch.qps,
      pooledQps: pooled.qps,
      // Callers overlap waiting, not work: far below searchBatch, the cost is work.
      mostlyWork: conc.qps < 0.5 * batch.qps,
      // A second worker barely helps: the work is on the page's thread, or the cores are taken.
      onPage: pooled.qps < 1.2 * conc.qps,
    };
  }
  return {
    ef: engines[0].ef,
    none: engines.every((p) => p.hop <= 0),
    // What the prose quotes: no negative hop, when noise made a call look cheaper than a batch.
    engines: engines.map((p) => ({ ...p, hop: Math.max(0, p.hop), share: Math.max(0, p.share) })),
    // The same hop on both engines weighs more on the faster one.
    sameHop:
      similar && simd.share > wasm.share ? { simdGain: simd.gain, wasmGain: wasm.gain } : null,
    concurrent,
  };
}

/** The engines against native at the ends of the efSearch range, and against each other. */
function engineFigures(size, results) {
  const { native: n, ratios } = size;
  const high = n.search.at(-1);
  const low = n.search[0];
  const engines = engineNames(size).map((name) => {
    const v = size.engines[name];
    return {
      name,
      high: v.searchBatch.at(-1).qps / high.qps,
      low: v.searchBatch[0].qps / low.qps,
      build: ratios.toNative[name].build,
    };
  });
  const simd = size.engines.simd;
  const wasm = size.engines['hnswlib-wasm'];
  return {
    highEf: high.ef,
    lowEf: low.ef,
    engines,
    lowWorse: engines.filter((a) => a.low < a.high * 0.9).map((a) => a.name),
    simdToWasm: ratios.simdToWasm
      ? {
          high: simd.searchBatch.at(-1).qps / wasm.searchBatch.at(-1).qps,
          build: ratios.simdToWasm.build,
        }
      : null,
    // The version whose build has no -msimd128 and no v128 instructions.
    wasmWithoutSimd: results.versions['hnswlib-wasm'] === '0.8.2',
    x64: results.machine.arch === 'x64',
  };
}

/** The pool against one worker at the operating point, and its costs; null without a pool. */
function poolFigures(size, results, advice) {
  const { pool, ratios } = size;
  if (!pool) return null;
  const { searchBatch, concurrentSearch } = ratios.pool;
  const side = (r, overEfs) => ({
    ef: r.a.ef,
    ratio: r.ratio,
    oneQps: r.b.qps,
    pooledQps: r.a.qps,
    overEfs,
  });
  return {
    ...pool,
    cores: results.machine.cores,
    coresShared: results.machine.cores <= pool.workers,
    batch: side(searchBatch, ratios.pool.searchBatchOverEfs),
    concurrent: side(concurrentSearch, ratios.pool.concurrentSearchOverEfs),
    copyBytes: size.engines[pool.engine].wasmMemoryBytes.afterColdOpen,
    advice: advice && { ...advice, recommendsPool: advice.workers > 1 },
  };
}

/** hnswlib-wasm called on the page against the same engine behind the worker; null without both. */
function directFigures(size) {
  const { direct } = size;
  const wasm = size.engines['hnswlib-wasm'];
  if (!direct || !wasm) return null;
  const d = operatingPoint(direct.search);
  const one = operatingPoint(wasm.search);
  const batch = operatingPoint(wasm.searchBatch);
  const high = direct.search.at(-1);
  const simd = size.engines.simd;
  const simdBatch = simd ? operatingPoint(simd.searchBatch) : null;
  return {
    ef: d.ef,
    qps: d.qps,
    search: { qps: one.qps, ratio: one.qps / d.qps, hopOutweighs: one.qps < 0.5 * d.qps },
    searchBatch: { qps: batch.qps, ratio: batch.qps / d.qps },
    highEf: high.ef,
    highRatio: wasm.searchBatch.at(-1).qps / high.qps,
    simd: simdBatch && {
      qps: simdBatch.qps,
      ratio: simdBatch.qps / d.qps,
      build: simd.buildVectorsPerSecond / direct.buildVectorsPerSecond,
    },
    workerBuildVectorsPerSecond: wasm.buildVectorsPerSecond,
    sameGraph: direct.search.every((row, i) => Math.abs(row.recall - wasm.search[i].recall) < 1e-9),
    quiet: engineNames(size).every((e) => size.engines[e].longestTaskMs.overall === null),
  };
}

/**
 * The figures of "What limits it", from the largest size: `size` is its
 * results as saved, `engines` its engines with their names, the rest what
 * the prose compares.
 */
export function findings(results) {
  const size = results.sizes.at(-1);
  const names = engineNames(size);
  const tasks = names.map((e) => size.engines[e].longestTaskMs.overall);
  if (size.pool) tasks.push(size.pool.oneWorker.longestTaskMs, size.pool.pooled.longestTaskMs);
  const simdMemory = size.engines.simd?.wasmMemoryBytes;
  return {
    size,
    engines: names.map((name) => ({ name, ...size.engines[name] })),
    hasSimd: 'simd' in size.engines,
    hasWasm: 'hnswlib-wasm' in size.engines,
    snapshotBytes: size.engines[names[0]].snapshotBytes,
    // One task of the build on the page: one batch of inserts.
    inserts: Math.min(results.config.batch, size.vectors),
    longestTaskMs: maxOf(tasks),
    // The SIMD engine's heap keeps the peak of a load: the snapshot beside the index.
    loadPeak: Boolean(simdMemory && simdMemory.afterColdOpen > 1.3 * simdMemory.afterBuild),
    engine: engineFigures(size, results),
    hop: hopFigures(size),
    pool: poolFigures(size, results, recommendWorkers(results)),
    direct: directFigures(size),
  };
}

/** The SIMD engine's separate .wasm against hnswlib-wasm's chunk; null without both. */
function bundleFigures(bundle) {
  if (!bundle) return null;
  const simd = bundle.parts.find((p) => p.id === 'simd');
  const wasm = bundle.parts.find((p) => p.id === 'hnswlib-wasm');
  return {
    ...bundle,
    engines: simd && wasm ? { simd, wasm, ratio: simd.gzipBytes / wasm.gzipBytes } : null,
  };
}

/**
 * Every figure BENCHMARKS.md quotes outside its tables and charts: the
 * run's own (machine, versions, config), the engines and the pool the
 * method describes, the bundle, each size's results, the sustained loads
 * and the findings of the largest size.
 */
export function runFigures(results) {
  const { sizes } = results;
  return {
    target: TARGET_RECALL,
    command: results.command,
    date: results.finishedAt.slice(0, 10),
    machine: results.machine,
    versions: results.versions,
    config: results.config,
    engines: engineNames(sizes[0]),
    anyDirect: sizes.some((s) => s.direct),
    pool: sizes.find((s) => s.pool)?.pool ?? null,
    bundle: bundleFigures(results.bundle),
    sizes,
    sustained: sizes
      .filter((s) => s.sustained)
      .map((size) => ({ ...size, seconds: size.sustained.durationMs / 1000 })),
    limits: findings(results),
  };
}
