import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import MagicString from 'magic-string';
import { defineConfig, type Plugin } from 'vite';

/*
 * Every runtime dependency stays an import in dist/, for the consumer's
 * bundler to resolve (and share with the app): none is both declared and
 * bundled. Exact names only: `uplot/dist/uPlot.min.css?inline` is inlined.
 */
const external = Object.keys(
  (JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);

/** The worker entries, one per engine (see src/client/spawnWorker.ts). */
const WORKERS = ['worker-simd', 'worker-hnswlib-wasm'] as const;

/*
 * In the library build each worker is its own entry, dist/worker-simd.js and
 * dist/worker-hnswlib-wasm.js, and the page code keeps the literal
 * `new Worker(new URL('./worker-….js', import.meta.url))`: the one pattern
 * that Vite, webpack 5 and Rollup all recognise in a consumer's build, where
 * they bundle each worker and resolve its imports. Vite's own worker handling
 * would inline or rename them instead.
 */
function workersAsEntries(): Plugin {
  const placeholder = (name: string) => `__VICINITY_WORKER_URL_${name.replaceAll('-', '_')}__`;
  return {
    name: 'vicinity:workers-as-entries',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/client/spawnWorker.ts')) return null;
      const edited = new MagicString(code);
      for (const name of WORKERS) {
        const source = `new URL('../worker/${name}.ts', import.meta.url)`;
        const start = code.indexOf(source);
        if (start < 0 || code.indexOf(source, start + 1) >= 0)
          this.error(
            `spawnWorker.ts no longer has the one worker URL this build rewrites: ${source}`,
          );
        edited.overwrite(start, start + source.length, placeholder(name));
      }
      return { code: edited.toString(), map: edited.generateMap({ hires: true }) };
    },
    renderChunk(code) {
      const edited = new MagicString(code);
      for (const name of WORKERS) {
        const start = code.indexOf(placeholder(name));
        if (start < 0) continue;
        edited.overwrite(
          start,
          start + placeholder(name).length,
          `new URL('./${name}.js', import.meta.url)`,
        );
      }
      if (!edited.hasChanged()) return null;
      return { code: edited.toString(), map: edited.generateMap({ hires: true }) };
    },
  };
}

/*
 * The SIMD engine's Emscripten glue and its .wasm are shipped as they were
 * built, next to the worker entries. Bundled, Vite would inline the .wasm as a base64
 * data: URL (larger, and a page's CSP would need connect-src data:); left as
 * files, the glue's `new URL('hnsw-simd.wasm', import.meta.url)` lets a
 * consumer's bundler emit the .wasm as an asset.
 */
function simdEngineAsFiles(): Plugin {
  const dir = 'src/engine/simd';
  return {
    name: 'vicinity:simd-engine-as-files',
    apply: 'build',
    enforce: 'pre',
    resolveId(source) {
      return source.endsWith('/simd/hnsw-simd.js')
        ? { id: './hnsw-simd.js', external: true }
        : null;
    },
    generateBundle() {
      for (const fileName of ['hnsw-simd.js', 'hnsw-simd.wasm']) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(`${dir}/${fileName}`) });
      }
    },
  };
}

/*
 * The dev and preview servers make a page cross-origin isolated (COOP and
 * COEP, so that it may share memory with its workers) when the request
 * carries the cookie `vicinity-coi=1`: the tests and the benchmark run the
 * same pages both ways. A worker's script and its imports carry the cookie
 * too, and get the same headers, as COEP requires.
 */
function crossOriginIsolationByCookie(): Plugin {
  const isolate = (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    if (/(?:^|;\s*)vicinity-coi=1(?:;|$)/.test(request.headers.cookie ?? '')) {
      response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    next();
  };
  return {
    name: 'vicinity:cross-origin-isolation-by-cookie',
    configureServer: (server) => void server.middlewares.use(isolate),
    configurePreviewServer: (server) => void server.middlewares.use(isolate),
  };
}

export default defineConfig({
  plugins: [workersAsEntries(), simdEngineAsFiles(), crossOriginIsolationByCookie()],
  server: { port: 5199, strictPort: true },
  // The dev server (tests, demo, benchmark) pre-bundles these at start: found
  // later, in a worker or a lazily loaded test module, a dependency makes
  // Vite re-bundle and reload every open page, in the middle of a test.
  optimizeDeps: {
    include: [
      'comlink',
      'hnswlib-wasm',
      'idb-keyval',
      'lru-cache',
      'fast-check',
      'web-vitals',
      'uplot',
    ],
  },
  preview: { port: 5199, strictPort: true },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    emptyOutDir: true,
    lib: {
      entry: {
        index: 'src/index.ts',
        'worker-simd': 'src/worker/worker-simd.ts',
        'worker-hnswlib-wasm': 'src/worker/worker-hnswlib-wasm.ts',
        dashboard: 'src/dashboard/index.ts',
      },
      formats: ['es'],
      fileName: (_format, entry) => `${entry}.js`,
    },
    rollupOptions: { external },
  },
});
