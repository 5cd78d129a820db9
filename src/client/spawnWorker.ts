import type { EngineChoice, EngineKind } from '../core/types.js';
import { pickEngine } from '../core/engineChoice.js';
import { VicinityError, toVicinityError } from '../core/VicinityError.js';

/** The part of the Trusted Types API used here (not yet in TypeScript's DOM types). */
interface TrustedTypesFactory {
  createPolicy(
    name: string,
    rules: { createScriptURL: (url: string) => string },
  ): { createScriptURL(url: string): unknown };
}

/** The name of the Trusted Types policy vicinity creates; a page's `trusted-types` directive must allow it. */
export const TRUSTED_TYPES_POLICY = 'vicinity';

let policy: { createScriptURL(url: string): unknown } | undefined;
/** The page refused a plain URL once: later workers go straight through the policy. */
let trustedUrlsNeeded = false;

/**
 * Each worker is referenced with `new URL(…, import.meta.url)` inside
 * `new Worker(…)` so that Vite, webpack 5 and Rollup emit it as its own file
 * in a consumer's build, with no configuration on their side. There is one
 * file per engine, chosen here on the page: a bundler that inlines a worker's
 * lazy imports (Vite's default `iife` worker format) would otherwise put
 * hnswlib-wasm, 760 kB, into the file every first visit downloads. These two
 * literals must stay the only ones, and stay as they are; their names differ
 * because webpack names each worker's file after its `name`.
 */
function construct(kind: EngineKind): Worker {
  return kind === 'simd'
    ? new Worker(new URL('../worker/worker-simd.ts', import.meta.url), {
        type: 'module',
        name: 'vicinity-simd',
      })
    : new Worker(new URL('../worker/worker-hnswlib-wasm.ts', import.meta.url), {
        type: 'module',
        name: 'vicinity-hnswlib-wasm',
      });
}

/**
 * Starts an index worker for `choice`: the file of the engine that choice
 * lands on in this browser (see pickEngine). On a page that enforces Trusted
 * Types (`require-trusted-types-for 'script'`), a plain URL is refused; the
 * worker is then started again with its URL passed through the `vicinity`
 * policy, and so is every later worker of the page.
 */
export function spawnWorker(choice: EngineChoice): Worker {
  const factory = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;
  const start = () => construct(pickEngine(choice));
  try {
    // Each refusal is a violation report, so a page that refused once is not asked again.
    if (trustedUrlsNeeded && factory) return withTrustedWorkerUrls(factory, start);
    return start();
  } catch (error) {
    if (error instanceof TypeError && factory && !trustedUrlsNeeded) {
      const worker = withTrustedWorkerUrls(factory, start);
      trustedUrlsNeeded = true;
      return worker;
    }
    if (error instanceof DOMException && error.name === 'SecurityError') {
      throw new VicinityError(
        'CSP_BLOCKED',
        "the page's Content Security Policy forbids starting the worker: allow worker-src 'self'",
        { cause: error },
      );
    }
    throw toVicinityError(error, 'ENGINE_ERROR', 'starting the worker');
  }
}

/**
 * Runs `start` with the global Worker constructor swapped, for the length of
 * that synchronous call, for one that passes its URL through the policy: the
 * literals in `construct` stay intact for bundlers.
 */
function withTrustedWorkerUrls(factory: TrustedTypesFactory, start: () => Worker): Worker {
  try {
    policy ??= factory.createPolicy(TRUSTED_TYPES_POLICY, {
      // Only same-origin scripts: what a module worker can be started from anyway.
      createScriptURL: (url) => {
        if (new URL(url, location.href).origin !== location.origin)
          throw new TypeError(`vicinity starts workers from its own origin only, not ${url}`);
        return url;
      },
    });
  } catch (error) {
    throw new VicinityError(
      'CSP_BLOCKED',
      `the page enforces Trusted Types and does not allow the policy "${TRUSTED_TYPES_POLICY}": ` +
        `add it to the trusted-types directive (trusted-types ${TRUSTED_TYPES_POLICY})`,
      { cause: error },
    );
  }
  const trusted = policy;
  const Plain = globalThis.Worker;
  globalThis.Worker = class extends Plain {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(trusted.createScriptURL(String(url)) as string, options);
    }
  };
  try {
    return start();
  } finally {
    globalThis.Worker = Plain;
  }
}
