// Two Rollup plugins whose published types a TypeScript consumer cannot reach:
// one ships none, the other's are outside its package.json "exports".

declare module '@surma/rollup-plugin-off-main-thread' {
  import type { Plugin } from 'rollup';

  /** Bundles each `new Worker(new URL('…', import.meta.url))` as a chunk of its own. */
  export default function offMainThread(options?: { silenceESMWorkerWarning?: boolean }): Plugin;
}

declare module '@web/rollup-plugin-import-meta-assets' {
  import type { Plugin } from 'rollup';

  /** Emits each file that `new URL('…', import.meta.url)` names, as an asset. */
  export function importMetaAssets(): Plugin;
}
