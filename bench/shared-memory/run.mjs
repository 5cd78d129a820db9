// Shared-memory replicas, measured: can a second worker search the
// primary's WebAssembly memory instead of holding a copy of the index, how
// fast, and what happens to the primary when such a worker is stopped
// mid-search. Node's worker threads stand in for Web Workers (the same V8,
// the same shared WebAssembly.Memory and Atomics); the module is the SIMD
// engine's sources built with -pthread (build.sh).
//
// 1. Speed: native hnswlib-node, one and two workers searching the shared
//    index in place, and one and two workers each with a copy loaded from
//    its bytes (vicinity's replicas today, the committed non-shared build),
//    search the same queries in 200-query blocks, lanes shuffled within
//    each round, a block's time the fastest of 3, over 3 rounds; two workers
//    take half a block each. Results are compared label for label.
// 2. Memory: what each layout holds in WebAssembly memory.
// 3. Stopping a worker: a worker searching a small shared index in a loop is
//    terminated at a random moment, as a supervisor stops a hung replica;
//    then a fresh worker does what the primary does next (allocate, search).
//    Counts how often that never returns: a lock held by the stopped worker.
//
//   node bench/shared-memory/run.mjs [--size 50000] [--stops 200]
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { root } from '../browser.mjs';
import { prepareData } from '../data.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '50000' },
    stops: { type: 'string', default: '200' },
  },
});
const N = Number(values.size);
const STOPS = Number(values.stops);
const Q = 1000;
const K = 10;
const BLOCK = 200;
const PARAMS = { M: 16, efConstruction: 200, seed: 100, efSearch: 64 };
const COSINE = 2;
const STACK_BYTES = 1 << 20;
/** Zeroed room for musl's `struct pthread` (about 200 bytes on wasm32). */
const THREAD_BYTES = 1024;
const here = join(root, 'bench/shared-memory');

const data = prepareData({
  dir: join(root, 'bench/results/data'),
  n: N,
  q: Q,
  k: K,
  log: (line) => console.error(line),
});
const D = data.dimensions;

// The glue is an ES module named .js in a package that is not "type": "module".
const scratch = mkdtempSync(join(tmpdir(), 'vicinity-shared-'));
function glueCopy(from, name) {
  const to = join(scratch, name);
  copyFileSync(from, to);
  return pathToFileURL(to).href;
}
const sharedGlue = glueCopy(join(here, 'hnsw-shared.js'), 'hnsw-shared.mjs');
const copyGlue = glueCopy(join(root, 'src/engine/simd/hnsw-simd.js'), 'hnsw-simd.mjs');
const sharedModule = await WebAssembly.compile(readFileSync(join(here, 'hnsw-shared.wasm')));
const copyWasm = readFileSync(join(root, 'src/engine/simd/hnsw-simd.wasm'));

/** The primary: the shared build on a shared memory it creates. */
async function sharedInstance() {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const { default: create } = await import(sharedGlue);
  const m = await create({
    wasmMemory: memory,
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(sharedModule, imports).then((instance) =>
        receive(instance, sharedModule),
      );
      return {};
    },
    acceptLabel: () => true,
  });
  return { m, memory };
}

function build(m, vectors, count) {
  const handle = m._vh_create(COSINE, D, PARAMS.M, PARAMS.efConstruction, count, PARAMS.seed, 0);
  const vector = m._malloc(D * 4);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    m.HEAPF32.set(vectors.subarray(i * D, (i + 1) * D), vector >>> 2);
    if (m._vh_add(handle, vector, i, 0) !== 0) throw new Error('vh_add failed');
  }
  const ms = performance.now() - started;
  m._free(vector);
  m._vh_set_ef(handle, PARAMS.efSearch);
  return { handle, ms };
}

/** Query and result buffers in the shared memory, for `count` queries. */
function sharedBuffers(m, queries, count) {
  const buffers = {
    queries: m._malloc(queries.length * 4),
    labels: m._malloc(count * K * 4),
    distances: m._malloc(count * K * 4),
    counts: m._malloc(count * 4),
  };
  m.HEAPF32.set(queries, buffers.queries >>> 2);
  return buffers;
}

/** Every worker started, to stop those still spinning on a locked memory at the end. */
const everyWorker = [];
function start(workerData) {
  const worker = new Worker(join(here, 'reader.mjs'), { workerData });
  everyWorker.push(worker);
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message) => resolve({ worker, ...message }));
  });
}

/** A stack and thread block for a worker on the shared memory, allocated by the primary. */
function threadRoom(primary) {
  const { m, memory } = primary;
  const thread = m._malloc(THREAD_BYTES);
  new Uint8Array(memory.buffer, thread, THREAD_BYTES).fill(0);
  return { stackBase: m._malloc(STACK_BYTES), stackSize: STACK_BYTES, thread };
}

/** A worker on the shared memory, searching `handle` with `buffers`. */
function startShared(primary, handle, buffers, room = threadRoom(primary)) {
  return start({
    glue: sharedGlue,
    module: sharedModule,
    memory: primary.memory,
    handle,
    buffers,
    ...room,
    dim: D,
    k: K,
    count: Q,
  });
}

function ask(worker, job) {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(job);
  });
}

// --- 1 and 2: speed and memory at N vectors --------------------------------
const primary = await sharedInstance();
const built = build(primary.m, data.base, N);
const buffers = sharedBuffers(primary.m, data.queries, Q);
const size = primary.m._vh_serialized_size(built.handle);
const out = primary.m._malloc(size);
if (primary.m._vh_serialize(built.handle, out, size) !== 0) throw new Error('vh_serialize failed');
const indexBytes = new Uint8Array(primary.memory.buffer, out, size).slice();
primary.m._free(out);

const copyData = {
  glue: copyGlue,
  wasm: copyWasm,
  index: indexBytes,
  queries: data.queries,
  efSearch: PARAMS.efSearch,
  dim: D,
  k: K,
  count: Q,
};
const shared = [
  await startShared(primary, built.handle, buffers),
  await startShared(primary, built.handle, buffers),
];
const copies = [await start(copyData), await start(copyData)];

const { HierarchicalNSW } = createRequire(import.meta.url)('hnswlib-node');
const native = new HierarchicalNSW('cosine', D);
native.initIndex(N, PARAMS.M, PARAMS.efConstruction, PARAMS.seed);
const nativeStarted = performance.now();
for (let i = 0; i < N; i++) native.addPoint(Array.from(data.base.subarray(i * D, (i + 1) * D)), i);
const nativeBuildMs = performance.now() - nativeStarted;
native.setEf(PARAMS.efSearch);
const nativeQueries = Array.from({ length: Q }, (_, i) =>
  Array.from(data.queries.subarray(i * D, (i + 1) * D)),
);

// The committed build's build time, for the shared build's against it.
const copyBuild = await (async () => {
  const { default: create } = await import(copyGlue);
  const m = await create({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(copyWasm, imports).then((r) => receive(r.instance));
      return {};
    },
    acceptLabel: () => true,
  });
  return build(m, data.base, N).ms;
})();

/** Runs [from, to) on `workers`, split evenly; resolves with the wall-clock time. */
async function onWorkers(workers, from, to) {
  const per = Math.ceil((to - from) / workers.length);
  const started = performance.now();
  const answers = await Promise.all(
    workers.map((w, i) =>
      ask(w.worker, {
        type: 'search',
        from: from + i * per,
        to: Math.min(to, from + (i + 1) * per),
        reps: 1,
      }),
    ),
  );
  if (answers.some((a) => a.rc < 0)) throw new Error('a search failed');
  return performance.now() - started;
}

const lanes = {
  native: async (from, to) => {
    const started = performance.now();
    for (let i = from; i < to; i++) native.searchKnn(nativeQueries[i], K);
    return performance.now() - started;
  },
  'shared, 1 worker': (from, to) => onWorkers(shared.slice(0, 1), from, to),
  'shared, 2 workers': (from, to) => onWorkers(shared, from, to),
  'copy, 1 worker': (from, to) => onWorkers(copies.slice(0, 1), from, to),
  'copy, 2 workers': (from, to) => onWorkers(copies, from, to),
};
const totals = Object.fromEntries(Object.keys(lanes).map((name) => [name, 0]));
let state = 7;
const random = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
for (const lane of Object.values(lanes)) await lane(0, BLOCK); // warm
for (let round = 0; round < 3; round++) {
  for (let from = 0; from < Q; from += BLOCK) {
    for (const name of Object.keys(lanes).sort(() => random() - 0.5)) {
      let best = Infinity;
      for (let rep = 0; rep < 3; rep++)
        best = Math.min(best, await lanes[name](from, from + BLOCK));
      totals[name] += best;
    }
  }
}

// Same answers: the shared workers' labels against a copy's.
const labelsOf = async (w) =>
  (await ask(w.worker, { type: 'search', from: 0, to: Q, reps: 1, labels: true })).labels;
const [a, b] = [await labelsOf(shared[1]), await labelsOf(copies[1])];
let differ = 0;
for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;

console.log(
  `${N.toLocaleString('en')} × ${D} word vectors, M ${PARAMS.M}, efConstruction ${PARAMS.efConstruction}, efSearch ${PARAMS.efSearch}, k ${K}; ${Q} queries in blocks of ${BLOCK}, fastest of 3, 3 rounds`,
);
console.log(
  `  build: shared build ${(built.ms / 1000).toFixed(1)} s, committed build ${(copyBuild / 1000).toFixed(1)} s, native ${(nativeBuildMs / 1000).toFixed(1)} s (shared/native ${(nativeBuildMs / built.ms).toFixed(2)}×, committed/native ${(nativeBuildMs / copyBuild).toFixed(2)}×)`,
);
for (const [name, total] of Object.entries(totals)) {
  console.log(
    `  ${name}: ${((total / (3 * Q)) * 1000).toFixed(1)} µs per query, ${(totals.native / total).toFixed(2)}× native`,
  );
}
console.log(`  result labels that differ, shared worker against copy: ${differ} of ${a.length}`);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(
  `  WebAssembly memory: shared, any number of workers ${mib(primary.memory.buffer.byteLength)}; a copy ${mib(copies[0].memoryBytes)} each, beside the primary's; index bytes ${mib(size)}`,
);
for (const w of [...shared, ...copies]) await w.worker.terminate();

// --- 3: a worker stopped mid-search -----------------------------------------
const SMALL = 2000;
let locked = 0;
let done = 0;
let small = await smallIndex();
async function smallIndex() {
  const instance = await sharedInstance();
  const { handle } = build(instance.m, data.base, SMALL);
  instance.m._vh_set_ef(handle, 256);
  return {
    instance,
    handle,
    buffers: sharedBuffers(instance.m, data.queries.subarray(0, 100 * D), 100),
  };
}
const within = (promise, ms) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))]);
for (let i = 0; i < STOPS; i++) {
  // Everything the probe needs is allocated before the stop: after it, the
  // primary's own allocations may never return.
  const room = threadRoom(small.instance);
  const victim = await startShared(small.instance, small.handle, small.buffers);
  await ask(victim.worker, { type: 'spin', queries: 100 });
  await new Promise((resolve) => setTimeout(resolve, 1 + random() * 5));
  await victim.worker.terminate();
  const probing = startShared(small.instance, small.handle, small.buffers, room).then((probe) =>
    ask(probe.worker, { type: 'probe' }).then(() => probe),
  );
  const probe = await within(probing, 2000);
  done++;
  if (probe) {
    await probe.worker.terminate();
    continue;
  }
  locked++;
  // The probe still spins in that memory; nothing can use it again: start over on a new one.
  small = await smallIndex();
}
console.log(
  `  workers stopped mid-search: ${done}; after ${locked} of them (${((100 * locked) / done).toFixed(1)} %) the next allocation or search never returned within 2 s`,
);
await Promise.all(everyWorker.map((worker) => worker.terminate()));
rmSync(scratch, { recursive: true, force: true });
console.log('measured on a shared, noisy machine; timings are not asserted');
