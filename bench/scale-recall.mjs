// Recall@10 of int8 against float32 at the same efSearch on one scale set,
// without the native lane, saves and reopens of `npm run bench -- --scale`:
// the measurement that decides whether int8 needs re-ranking, where a full
// scale run would take too long.
//
//   node bench/scale-recall.mjs [--dims 384] [--size 100000] [--lanes int8,float32]
//                               [--efs 16,32,64,128,256,512] [--queries 1000]
//
// Each lane builds its own index in the tab (engine 'simd', M 16,
// efConstruction 200, cosine, the scale benchmark's parameters), then one
// searchBatch pass per efSearch. Prints recall per efSearch and lane and
// writes bench/results/scale-recall-latest.json. Timings are the tab's wall
// clock on a shared machine; only recall is the point here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScaleData, makeScaleData, SCALE_CACHE_DIR } from '../scripts/make-scale-data.mjs';
import { machine, openBench, root } from './browser.mjs';
import { recallMeter } from './data.mjs';

const PORT = Number(process.env.VICINITY_BENCH_PORT ?? 5302);
const PARAMS = { M: 16, efConstruction: 200, batch: 1000, k: 10, efSearch: 64 };
const LANES = {
  float32: { engine: 'simd', options: {} },
  int8: { engine: 'simd', options: { quantization: 'int8' } },
};

const { values } = parseArgs({
  options: {
    dims: { type: 'string', default: '384' },
    size: { type: 'string', default: '100000' },
    lanes: { type: 'string', default: 'int8,float32' },
    efs: { type: 'string', default: '16,32,64,128,256,512' },
    queries: { type: 'string', default: '1000' },
  },
});
const dimensions = Number(values.dims);
const n = Number(values.size);
const q = Number(values.queries);
const efs = values.efs.split(',').map(Number);
const lanes = values.lanes.split(',');
for (const lane of lanes) if (!LANES[lane]) throw new Error(`no lane ${lane}`);

const log = (message) => console.log(`[scale-recall] ${message}`);
const t0 = performance.now();
const { stem, header } = await makeScaleData({
  dir: SCALE_CACHE_DIR,
  dimensions,
  n,
  q,
  k: 100,
  log,
});
const { base, queries, truth } = loadScaleData(stem);
const recall = recallMeter({ base, queries, truth, truthK: header.k, k: PARAMS.k, dimensions });

const onConsole = (message) => {
  const m = /^bench-progress (\d+) (\d+) (\d+)$/.exec(message.text());
  if (m) log(`  build ${m[1]}/${m[2]}, ${((m[1] * 1000) / m[3]).toFixed(0)} vectors/s so far`);
};
const bench = await openBench({ port: PORT, onConsole });
const results = { dimensions, n, queries: q, efs, lanes: {} };
try {
  const { page, url } = bench;
  for (const lane of lanes) {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    await page.evaluate((s) => window.bench.load(s), `/bench/results/cache/${basename(stem)}`);
    log(`${lane}: building ${n} × ${dimensions} in the tab`);
    const build = await page.evaluate(
      ([name, p]) => window.bench.build(name, p),
      [
        `scale-recall-${lane}`,
        { ...PARAMS, ...LANES[lane], progressEvery: Math.max(PARAMS.batch, n / 10) },
      ],
    );
    log(`${lane}: built in ${(build.buildMs / 1000).toFixed(0)} s; searching`);
    const sweep = await page.evaluate((p) => window.bench.sweep(p), {
      efs,
      k: PARAMS.k,
      repeat: 1,
      warmup: 20,
    });
    results.lanes[lane] = {
      buildMs: build.buildMs,
      wasmMemoryBytes: build.wasmMemoryBytes,
      rows: sweep.searchBatch.map((pass, e) => ({
        ef: pass.ef,
        recall: recall(pass.hits),
        searchRecall: recall(sweep.search[e].hits),
        batchQps: (q * 1000) / Math.min(...pass.ms),
        searchQps: (q * 1000) / Math.min(...sweep.search[e].ms),
      })),
    };
    await page.evaluate((name) => window.bench.remove(name), `scale-recall-${lane}`);
    log(`${lane}: ${JSON.stringify(results.lanes[lane].rows)}`);
    // Each lane as it finishes: a long run that is stopped keeps what it measured.
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(
      join(root, 'bench/results/scale-recall-latest.json'),
      JSON.stringify(results, null, 2),
    );
  }
} finally {
  await bench.close();
}
results.durationMs = performance.now() - t0;
results.machine = machine(bench.chromiumVersion);
results.finishedAt = new Date().toISOString();

console.log(
  `\nrecall@10, ${n} × ${dimensions}, same efSearch (searchBatch; search gives the same hits)`,
);
console.log(
  ['efSearch', ...lanes.map((l) => `recall ${l}`), ...lanes.map((l) => `batch QPS ${l}`)].join(
    '\t',
  ),
);
efs.forEach((ef, e) => {
  const row = lanes.map((l) => results.lanes[l].rows[e]);
  console.log(
    [ef, ...row.map((r) => r.recall.toFixed(3)), ...row.map((r) => r.batchQps.toFixed(0))].join(
      '\t',
    ),
  );
});
for (const l of lanes) {
  const r = results.lanes[l];
  log(
    `${l}: build ${(r.buildMs / 1000).toFixed(0)} s, WASM heap ${(r.wasmMemoryBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
log(`${(results.durationMs / 60_000).toFixed(1)} min`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/scale-recall-latest.json'),
  JSON.stringify(results, null, 2),
);
