// One worker of the experiment (run.mjs), in one of two kinds:
// - shared: instantiates the shared build on the memory the main thread's
//   instance created, with a stack and thread state of its own, and
//   searches the index that instance built, in place;
// - copy: instantiates the committed build (src/engine/simd) on a memory of
//   its own and loads a copy of the index from its serialized bytes, as
//   vicinity's replicas do today.
import { parentPort, workerData } from 'node:worker_threads';

const { glue, dim, k, count } = workerData;
// The glue, run as a second thread of the module, announces itself with the
// global postMessage of Emscripten's own thread workers; nobody listens here.
globalThis.postMessage = () => undefined;
const { default: create } = await import(glue);

let m;
let handle;
let buffers;
if (workerData.memory) {
  const { module, memory, stackBase, stackSize, thread } = workerData;
  m = await create({
    ENVIRONMENT_IS_PTHREAD: true,
    wasmMemory: memory,
    buffer: memory.buffer,
    wasmModule: module,
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(module, imports);
      receive(instance, module);
      return instance.exports;
    },
    acceptLabel: () => true,
  });
  // Its own stack (the main instance's would be shared otherwise), thread
  // state and thread-local storage, before any other call.
  m._emscripten_stack_set_limits(stackBase + stackSize, stackBase);
  m.stackRestore(stackBase + stackSize);
  m.__emscripten_thread_init(thread, 0, 0, 1, 0);
  m._emscripten_tls_init();
  ({ handle, buffers } = workerData);
} else {
  const { wasm, index, queries } = workerData;
  m = await create({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasm, imports).then((r) => receive(r.instance));
      return {};
    },
    acceptLabel: () => true,
  });
  const bytes = m._malloc(index.length);
  m.HEAPU8.set(index, bytes);
  handle = m._vh_load(2, dim, bytes, index.length, count, 0);
  m._free(bytes);
  if (handle === 0) throw new Error('vh_load failed');
  m._vh_set_ef(handle, workerData.efSearch);
  buffers = {
    queries: m._malloc(queries.length * 4),
    labels: m._malloc(count * k * 4),
    distances: m._malloc(count * k * 4),
    counts: m._malloc(count * 4),
  };
  m.HEAPF32.set(queries, buffers.queries >>> 2);
}

/** Searches queries [from, to) into this worker's part of the result buffers. */
function search(from, to) {
  const { queries, labels, distances, counts } = buffers;
  return m._vh_search_batch(
    handle,
    queries + from * dim * 4,
    to - from,
    k,
    0,
    labels + from * k * 4,
    distances + from * k * 4,
    counts + from * 4,
  );
}

parentPort.on('message', (job) => {
  if (job.type === 'search') {
    let best = Infinity;
    let rc = 0;
    for (let r = 0; r < job.reps; r++) {
      const started = performance.now();
      rc = search(job.from, job.to);
      best = Math.min(best, performance.now() - started);
    }
    const labels = job.labels
      ? new Uint32Array(
          m.HEAPU8.buffer,
          buffers.labels + job.from * k * 4,
          (job.to - job.from) * k,
        ).slice()
      : null;
    parentPort.postMessage({ rc, ms: best, labels });
  } else if (job.type === 'spin') {
    // Searches until terminated: the main thread stops it at a random moment.
    parentPort.postMessage({ spinning: true });
    for (let i = 0; ; i = (i + 1) % job.queries) search(i, i + 1);
  } else if (job.type === 'probe') {
    // What the primary does next after a write: allocate, then search once.
    m._free(m._malloc(64));
    parentPort.postMessage({ probed: search(0, 1) });
  }
});
parentPort.postMessage({ ready: true, memoryBytes: m.HEAPU8.buffer.byteLength });
