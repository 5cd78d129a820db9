/**
 * The layering of src/, checked by `npm run lint` (see README, Architecture).
 * Types count: an `import type` is a dependency like any other.
 */
const PAGE = '^src/(client|cache|monitor|dashboard|optimizer|loadtest|export|index\\.ts)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only ones included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing',
      comment:
        'core/ holds the shared types, defaults, protocol and errors; it depends on nothing.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/' },
    },
    {
      name: 'page-not-engine',
      comment:
        'The page talks to engines only through the worker, and imports neither, not even through a folder both sides share (search/, text/, util/, …).',
      severity: 'error',
      from: { path: PAGE },
      to: { path: '^src/(engine|worker)/', reachable: true },
    },
    {
      name: 'page-storage-through-catalog',
      comment: 'The page reaches storage only through storage/storeCatalog.ts.',
      severity: 'error',
      from: { path: PAGE },
      to: { path: '^src/storage/', pathNot: '^src/storage/storeCatalog\\.ts$' },
    },
    {
      name: 'storage-not-engine',
      comment: 'Storage holds bytes; it knows no engine.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(engine|worker)/' },
    },
    {
      name: 'engine-quirks-private',
      comment: "An engine's own folder is private to it: only its worker entry imports it.",
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['^src/engine/hnswlib-wasm/', '^src/worker/worker-hnswlib-wasm\\.ts$'],
      },
      to: { path: '^src/engine/hnswlib-wasm/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/engine/simd/' },
  },
};
