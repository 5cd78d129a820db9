// What the library's build ships: bytes and gzipped bytes (Node's zlib,
// level 9) of the page entry, the worker with the chunks it imports, and
// each engine's own files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/** `npm run build`, with its output shown only when it fails. */
export function buildLibrary(root, log) {
  log('npm run build');
  const started = performance.now();
  const run = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    throw new Error(`npm run build failed (${run.error?.message ?? `exit code ${run.status}`})`);
  }
  log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Relative modules a built file imports statically (not `import()`), and theirs in turn. */
function staticChunks(dir, entry) {
  const found = new Set();
  const visit = (file) => {
    const code = readFileSync(join(dir, file), 'utf8');
    const pattern = /(?:\bfrom\s*|\bimport\s*)["'](\.\/[^"']+\.js)["']/g;
    for (const [, spec] of code.matchAll(pattern)) {
      const chunk = spec.slice(2);
      if (found.has(chunk)) continue;
      found.add(chunk);
      visit(chunk);
    }
  };
  visit(entry);
  return [...found].sort();
}

function measure(root, path) {
  const bytes = readFileSync(join(root, path));
  return { path, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}

function part(root, id, label, paths) {
  const files = paths.map((path) => measure(root, path));
  return {
    id,
    label,
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}

/** Sizes of dist/ and of hnswlib-wasm's chunk; throws when a file is missing. */
export function measureBundle(root) {
  const dist = join(root, 'dist');
  const entries = ['index.js', 'worker-simd.js', 'worker-hnswlib-wasm.js', 'dashboard.js'];
  for (const file of [...entries, 'hnsw-simd.js', 'hnsw-simd.wasm']) {
    if (!existsSync(join(dist, file))) throw new Error(`dist/${file} is missing after the build`);
  }
  // Each engine has its worker file; a first visit loads one, with the chunks it imports
  // (the engine's own files are counted with the engine).
  const chunksOf = (entry) =>
    staticChunks(dist, entry)
      .filter((f) => f !== 'hnsw-simd.js')
      .map((f) => `dist/${f}`);
  const workerChunks = {
    simd: chunksOf('worker-simd.js'),
    'hnswlib-wasm': chunksOf('worker-hnswlib-wasm.js'),
  };
  const inWorkers = new Set([...workerChunks.simd, ...workerChunks['hnswlib-wasm']]);
  // A chunk shared by the page and a worker is counted once, with the worker.
  const pageChunks = chunksOf('index.js').filter((f) => !inWorkers.has(f));
  const dashboardChunks = chunksOf('dashboard.js').filter(
    (f) => !inWorkers.has(f) && !pageChunks.includes(f),
  );
  const wasmDir = join(root, 'node_modules/hnswlib-wasm/dist');
  const wasmChunks = readdirSync(wasmDir).filter((f) => /^hnswlib-[0-9a-f]+\.js$/.test(f));
  if (wasmChunks.length !== 1) {
    throw new Error(`expected one hnswlib-*.js chunk in hnswlib-wasm, found ${wasmChunks.length}`);
  }
  const parts = [
    part(root, 'page', 'page entry', ['dist/index.js', ...pageChunks]),
    part(root, 'worker-simd', "worker 'simd'", ['dist/worker-simd.js', ...workerChunks.simd]),
    part(root, 'worker-hnswlib-wasm', "worker 'hnswlib-wasm'", [
      'dist/worker-hnswlib-wasm.js',
      ...workerChunks['hnswlib-wasm'],
    ]),
    part(root, 'simd', "engine 'simd'", ['dist/hnsw-simd.js', 'dist/hnsw-simd.wasm']),
    part(root, 'hnswlib-wasm', "engine 'hnswlib-wasm'", [
      relative(root, join(wasmDir, wasmChunks[0])),
    ]),
    // Only pages that import 'vicinity/dashboard' load it; uPlot as its published minified build.
    part(root, 'dashboard', 'vicinity/dashboard + uPlot', [
      'dist/dashboard.js',
      ...dashboardChunks,
      'node_modules/uplot/dist/uPlot.iife.min.js',
    ]),
  ];
  const byId = Object.fromEntries(parts.map((p) => [p.id, p]));
  const total = (label, ids) => ({
    label,
    parts: ids.map((id) => byId[id].label),
    bytes: ids.reduce((sum, id) => sum + byId[id].bytes, 0),
    gzipBytes: ids.reduce((sum, id) => sum + byId[id].gzipBytes, 0),
  });
  return {
    parts,
    totals: [
      total("total with 'simd'", ['page', 'worker-simd', 'simd']),
      total("total with 'hnswlib-wasm'", ['page', 'worker-hnswlib-wasm', 'hnswlib-wasm']),
      total("total with 'simd' and the dashboard", ['page', 'worker-simd', 'simd', 'dashboard']),
    ],
  };
}
