// Loaded by the Playwright tests: puts the library and the test oracles on
// window so that each test drives them with page.evaluate.
import * as vicinity from '../../src/index.js';
import { exactSearch, recallAt } from '../support/exact.js';
import { fetchWords } from '../support/words.js';
import {
  flipByte,
  plantGeneration,
  storedManifests,
  storedChunkKeys,
  damageChunk,
  tamperSnapshot,
  truncate,
} from '../support/tamper.js';

const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // longtask is Chromium-only; the tests run there.
}

// Every test runs once per engine: the page's ?engine= becomes the default of open().
const engine = (new URLSearchParams(location.search).get('engine') ??
  'auto') as vicinity.VectorIndexOptions['engine'];
const VectorIndex = {
  open: (name: string, options?: vicinity.VectorIndexOptions) =>
    vicinity.VectorIndex.open(name, { engine, ...options }),
  delete: (name: string) => vicinity.VectorIndex.delete(name),
  list: () => vicinity.VectorIndex.list(),
  estimate: (plan: vicinity.MemoryPlan) => vicinity.VectorIndex.estimate(plan),
};

/** What a promise came to, within a bounded wait: a hang is an outcome, not a stuck test. */
type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: string | undefined; message: string; typed: boolean }
  | { hang: true };
function outcome<T>(promise: Promise<T>, ms = 20_000): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({
        ok: false,
        code: (error as { code?: string } | null)?.code,
        message: String((error as { message?: unknown } | null)?.message),
        typed: error instanceof vicinity.VicinityError,
      }),
    ),
    new Promise<Outcome<T>>((resolve) => {
      timer = setTimeout(() => resolve({ hang: true }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** How a call came out, as one string: 'resolved', its VicinityError code, 'not a VicinityError: …', or 'HANG' after `ms`. */
async function codeOf(run: () => Promise<unknown>, ms = 8_000): Promise<string> {
  const settled = await outcome(Promise.resolve().then(run), ms);
  if ('hang' in settled) return 'HANG';
  if (settled.ok) return 'resolved';
  return settled.typed ? String(settled.code) : `not a VicinityError: ${settled.message}`;
}

const harness = {
  engine,
  outcome,
  codeOf,
  vicinity: { ...vicinity, VectorIndex },
  /** Either engine by kind, on the page, for tests of the engines themselves. */
  engines: async () => {
    const [{ createEngine, loadEngine }, { simdFactory }, { hnswlibWasmFactory }] =
      await Promise.all([
        import('../../src/engine/chooseEngine.js'),
        import('../../src/engine/SimdEngine.js'),
        import('../../src/engine/hnswlib-wasm/HnswlibWasmEngine.js'),
      ]);
    const both = { simd: simdFactory, 'hnswlib-wasm': hnswlibWasmFactory };
    type Kind = keyof typeof both;
    type Context = Parameters<typeof createEngine>[2];
    return {
      createEngine: (kind: Kind, context: Context) => createEngine(both, kind, context),
      loadEngine: (kind: Kind, context: Context, bytes: Uint8Array) =>
        loadEngine(both, kind, context, bytes),
    };
  },
  /** Comlink as the page's other libraries would use it. */
  comlink: () => import('comlink'),
  /** The SIMD engine itself, for tests of its byte checks (loaded only when asked for). */
  simdEngine: () => import('../../src/engine/SimdEngine.js'),
  /** The dashboard element (defines <vicinity-dashboard>). */
  dashboard: () => import('../../src/dashboard/index.js'),
  modelFuzz: () => import('../support/modelFuzz.js'),
  /** The page side of the fault-injection tests. */
  faultRounds: () => import('../support/faultRounds.js'),
  /** The page side of the adversarial suite. */
  adversarial: () => import('../support/adversarial.js'),
  corruptions: () => import('../support/corruptions.js'),
  exactSearch,
  recallAt,
  fetchWords,
  longTasks,
  tamperSnapshot,
  plantGeneration,
  storedManifests,
  storedChunkKeys,
  damageChunk,
  flipByte,
  truncate,
};
declare global {
  interface Window {
    harness: typeof harness;
  }
}
window.harness = harness;
document.getElementById('status')!.textContent = 'ready';
