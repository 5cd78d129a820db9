import { VicinityError } from '../core/VicinityError.js';
import type { Engine, EngineContext, EngineFactories, EngineFactory } from './Engine.js';
import type { EngineChoice, EngineKind } from '../core/types.js';
import { gather } from '../storage/SnapshotSource.js';
import { pickEngine, simdSupported } from '../core/engineChoice.js';

export type { EngineChoice, EngineContext };

/** hnswlib-wasm's embind glue builds functions at run time: it needs 'unsafe-eval'. */
function evalAllowed(): boolean {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
}

/**
 * The engine a choice lands on, checked against what this browser and the
 * worker's CSP allow: `auto` never picks an engine that cannot run. A worker
 * has only the engines its entry bundles (`engines`); the page starts the
 * worker file whose engine `pickEngine` names, so the two agree.
 */
export function resolveEngine(choice: EngineChoice, engines: EngineFactories): EngineKind {
  const kind = pickEngine(choice);
  if (kind === 'simd' && !simdSupported()) {
    throw new VicinityError(
      'UNSUPPORTED_ENGINE',
      'this browser lacks WebAssembly SIMD or exception handling',
    );
  }
  if (kind === 'hnswlib-wasm' && !evalAllowed()) {
    throw new VicinityError(
      'CSP_BLOCKED',
      "hnswlib-wasm needs script-src 'unsafe-eval' (its glue builds functions at run time); " +
        "the 'simd' engine needs only 'wasm-unsafe-eval'",
    );
  }
  factory(engines, kind);
  return kind;
}

/** WebAssembly compilation refused by a CSP surfaces as a CompileError naming the policy. */
function cspFailure(error: unknown): VicinityError | undefined {
  const text = String((error as Error)?.message ?? error);
  if (/Content Security Policy|unsafe-eval|wasm-eval/i.test(text)) {
    return new VicinityError(
      'CSP_BLOCKED',
      `WebAssembly compilation is blocked: the page needs script-src 'wasm-unsafe-eval' (${text})`,
      { cause: error },
    );
  }
  return undefined;
}

function factory(engines: EngineFactories, kind: EngineKind): EngineFactory {
  const found = engines[kind];
  if (!found) {
    throw new VicinityError('UNSUPPORTED_ENGINE', `this worker does not bundle the ${kind} engine`);
  }
  return found;
}

export async function createEngine(
  engines: EngineFactories,
  kind: EngineKind,
  context: EngineContext,
): Promise<Engine> {
  try {
    return await factory(engines, kind).create(context);
  } catch (error) {
    throw cspFailure(error) ?? error;
  }
}

/** Both engines write hnswlib's wasm32 layout, so either reads what the other saved. */
export async function loadEngine(
  engines: EngineFactories,
  kind: EngineKind,
  context: EngineContext,
  bytes: Uint8Array,
): Promise<Engine> {
  try {
    return await factory(engines, kind).load(context, bytes);
  } catch (error) {
    throw cspFailure(error) ?? error;
  }
}

/**
 * Loads `byteLength` bytes arriving as chunks: fed one by one where the
 * engine loads as a stream (the SIMD engine), gathered whole where it
 * cannot (hnswlib-wasm reads one IDBFS file). Nothing is left behind when
 * a chunk or the bytes fail.
 */
export async function loadEngineFromChunks(
  engines: EngineFactories,
  kind: EngineKind,
  context: EngineContext,
  byteLength: number,
  chunks: AsyncIterable<Uint8Array>,
): Promise<Engine> {
  const found = factory(engines, kind);
  try {
    if (!found.loadStream) return await found.load(context, await gather(chunks, byteLength));
    const load = await found.loadStream(context, byteLength);
    try {
      for await (const chunk of chunks) load.feed(chunk);
      return load.finish();
    } catch (error) {
      load.abort();
      throw error;
    }
  } catch (error) {
    throw cspFailure(error) ?? error;
  }
}
