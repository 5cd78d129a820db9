/**
 * The worker is referenced with `new URL(…, import.meta.url)` so that Vite,
 * webpack 5 and Rollup emit it as its own file in a consumer's build, with no
 * configuration on their side.
 */
export function spawnWorker(): Worker {
  return new Worker(new URL('../worker/worker.ts', import.meta.url), {
    type: 'module',
    name: 'vicinity',
  });
}
