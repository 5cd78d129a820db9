import { defineConfig, type Plugin } from 'vite';

const external = ['comlink', 'hnswlib-wasm', 'idb-keyval', 'web-vitals'];

/*
 * In the library build the worker is its own entry, dist/worker.js, and the
 * page code keeps the literal `new Worker(new URL('./worker.js',
 * import.meta.url))`: the one pattern that Vite, webpack 5 and Rollup all
 * recognise in a consumer's build, where they bundle the worker and resolve
 * its imports. Vite's own worker handling would inline or rename it instead.
 */
function workerAsEntry(): Plugin {
  const placeholder = '__VICINITY_WORKER_URL__';
  const source = "new URL('../worker/worker.ts', import.meta.url)";
  return {
    name: 'vicinity:worker-as-entry',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/client/spawnWorker.ts')) return null;
      if (!code.includes(source)) this.error('spawnWorker.ts no longer has the worker URL this build rewrites');
      return code.replace(source, placeholder);
    },
    renderChunk(code) {
      return code.includes(placeholder)
        ? code.replace(placeholder, "new URL('./worker.js', import.meta.url)")
        : null;
    },
  };
}

export default defineConfig({
  plugins: [workerAsEntry()],
  server: { port: 5199, strictPort: true },
  preview: { port: 5199, strictPort: true },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    emptyOutDir: true,
    lib: {
      entry: { index: 'src/index.ts', worker: 'src/worker/worker.ts' },
      formats: ['es'],
      fileName: (_format, entry) => `${entry}.js`,
    },
    rollupOptions: { external },
  },
});
