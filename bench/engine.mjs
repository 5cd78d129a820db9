// npm run bench:engine — the SIMD engine alone, without a browser: the
// committed module (src/engine/simd/) run by Node's V8 against native
// hnswlib (hnswlib-node) in the same process, and against another build of
// the module when `--against <dir>` names one (a directory holding
// hnsw-simd.js and hnsw-simd.wasm, say an earlier commit's). Each build
// and native insert the same word vectors with vicinity's parameters; then
// the lanes search the same queries in 50-query blocks, shuffled within
// each round, a block's time the fastest of 3, over 3 rounds. Prints the
// build times, how many result labels the module builds disagree on, and
// µs per query with each lane's ratio to native. Timings are never asserted.
//
//   node bench/engine.mjs [--size 100000] [--against /tmp/old-simd]
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareData } from './data.mjs';
import { root } from './browser.mjs';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '100000' }, against: { type: 'string' } },
});
const N = Number(values.size);
const Q = 1000;
const K = 10;
const BLOCK = 50;
const PARAMS = { M: 16, efConstruction: 200, seed: 100, efSearch: 64 };
/** The C API's metric code for cosine (native/vicinity_hnsw.cpp). */
const COSINE = 2;

const data = prepareData({
  dir: join(root, 'bench/results/data'),
  n: N,
  q: Q,
  k: K,
  log: (line) => console.error(line),
});
const D = data.dimensions;

/** Loads a build in Node: the glue is for browsers, so the module is instantiated here. */
async function loadModule(dir) {
  // The glue is an ES module named .js in a package that is not "type": "module".
  const scratch = mkdtempSync(join(tmpdir(), 'vicinity-engine-'));
  copyFileSync(join(dir, 'hnsw-simd.js'), join(scratch, 'hnsw-simd.mjs'));
  const { default: create } = await import(join(scratch, 'hnsw-simd.mjs'));
  rmSync(scratch, { recursive: true, force: true });
  const bytes = readFileSync(join(dir, 'hnsw-simd.wasm'));
  return create({
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(bytes, imports).then((r) => done(r.instance));
      return {};
    },
    acceptLabel: () => true,
  });
}

/** Builds the index in a module and returns its build time and a batch search over the queries. */
function moduleLane(m) {
  const handle = m._vh_create(COSINE, D, PARAMS.M, PARAMS.efConstruction, N, PARAMS.seed, 0);
  if (handle === 0) throw new Error('vh_create failed');
  const vector = m._malloc(D * 4);
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    m.HEAPF32.set(data.base.subarray(i * D, (i + 1) * D), vector >>> 2);
    if (m._vh_add(handle, vector, i, 0) !== 0) throw new Error('vh_add failed');
  }
  const buildMs = performance.now() - started;
  m._vh_set_ef(handle, PARAMS.efSearch);
  const queries = m._malloc(Q * D * 4);
  const labels = m._malloc(Q * K * 4);
  const distances = m._malloc(Q * K * 4);
  const counts = m._malloc(Q * 4);
  m.HEAPF32.set(data.queries, queries >>> 2);
  return {
    buildMs,
    search(from, to) {
      const rc = m._vh_search_batch(
        handle,
        queries + from * D * 4,
        to - from,
        K,
        0,
        labels + from * K * 4,
        distances + from * K * 4,
        counts + from * 4,
      );
      if (rc < 0) throw new Error('vh_search_batch failed');
    },
    labels: () => m.HEAPU32.slice(labels >>> 2, (labels >>> 2) + Q * K),
  };
}

const lanes = { committed: moduleLane(await loadModule(join(root, 'src/engine/simd'))) };
if (values.against) lanes.against = moduleLane(await loadModule(values.against));
lanes.native = nativeLane();

/** The same on hnswlib-node; it takes plain arrays, made before any timing. */
function nativeLane() {
  const { HierarchicalNSW } = createRequire(import.meta.url)('hnswlib-node');
  const rows = (vectors) =>
    Array.from({ length: vectors.length / D }, (_, i) =>
      Array.from(vectors.subarray(i * D, (i + 1) * D)),
    );
  const base = rows(data.base);
  const queries = rows(data.queries);
  const index = new HierarchicalNSW('cosine', D);
  index.initIndex(N, PARAMS.M, PARAMS.efConstruction, PARAMS.seed);
  const started = performance.now();
  for (let i = 0; i < N; i++) index.addPoint(base[i], i);
  const buildMs = performance.now() - started;
  index.setEf(PARAMS.efSearch);
  return {
    buildMs,
    search(from, to) {
      for (let i = from; i < to; i++) index.searchKnn(queries[i], K);
    },
  };
}

console.log(
  `${N.toLocaleString('en')} × ${D} word vectors, M ${PARAMS.M}, efConstruction ${PARAMS.efConstruction}, efSearch ${PARAMS.efSearch}, k ${K}`,
);
for (const [name, lane] of Object.entries(lanes)) {
  console.log(`  build ${name}: ${(lane.buildMs / 1000).toFixed(1)} s`);
}
if (lanes.against) {
  lanes.committed.search(0, Q);
  lanes.against.search(0, Q);
  const a = lanes.committed.labels();
  const b = lanes.against.labels();
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
  console.log(`  result labels that differ between the builds: ${differ} of ${a.length}`);
}
const totals = Object.fromEntries(Object.keys(lanes).map((name) => [name, 0]));
let state = 1;
const random = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
for (let round = 0; round < 3; round++) {
  for (let from = 0; from < Q; from += BLOCK) {
    const order = Object.keys(lanes).sort(() => random() - 0.5);
    for (const name of order) {
      let best = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const started = performance.now();
        lanes[name].search(from, from + BLOCK);
        best = Math.min(best, performance.now() - started);
      }
      totals[name] += best;
    }
  }
}
for (const [name, total] of Object.entries(totals)) {
  const us = (total / (3 * Q)) * 1000;
  console.log(
    `  search ${name}: ${us.toFixed(1)} µs per query, ${(totals.native / total).toFixed(3)}× native`,
  );
}
console.log('measured on a shared, noisy machine; timings are not asserted');
