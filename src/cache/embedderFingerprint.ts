import { Cyrb53 } from './Cyrb53.js';

/**
 * Texts embedded once per open, in one call, to tell embedders apart: a
 * sentence, a word, and digits with accented and non-Latin letters, so that
 * a change of tokenizer or preprocessing shows in one of them.
 */
export const PROBE_TEXTS: readonly string[] = [
  'vicinity: which embedder is this? The quick brown fox jumps over the lazy dog.',
  'ocean',
  'Größe 42 — 東京 café',
];

/**
 * The probe may take this long, ms (a first call may load a model); past
 * it, text answers are not cached until the index is opened again.
 */
export const PROBE_TIMEOUT_MS = 30_000;

/**
 * Names an embedder by what it makes of fixed probe texts: cyrb53 over the
 * vectors' float32 bits (what the index searches with) and their length,
 * in base 36. Two embedders that map the probes to the same vectors share
 * answers (one that agrees on them but differs elsewhere cannot be told
 * apart); a change of model, weights or preprocessing moves the probes and
 * gives another name, so that text answers of the old one are not served.
 * Resolves with null when there is no embedder, or when it throws, returns
 * no usable vectors, or does not answer within `timeoutMs`: then text
 * answers are neither looked up nor stored.
 */
export async function embedderFingerprint(
  embed: ((texts: string[]) => unknown) | undefined,
  timeoutMs: number = PROBE_TIMEOUT_MS,
): Promise<string | null> {
  if (typeof embed !== 'function') return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const answer = await Promise.race([
      // Called in a microtask, so that an embedder that throws at once rejects here.
      Promise.resolve().then(() => embed([...PROBE_TEXTS])),
      timedOut,
    ]);
    if (answer === TIMED_OUT || !Array.isArray(answer) || answer.length !== PROBE_TEXTS.length)
      return null;
    const hash = new Cyrb53(PROBE_TEXTS.length);
    let dimensions = 0;
    for (const item of answer as unknown[]) {
      const vector = toFloat32(item);
      if (!vector) return null;
      dimensions = vector.length;
      hash.word(vector.length).words(new Uint32Array(vector.buffer, 0, vector.length));
    }
    return `${dimensions.toString(36)}.${hash.digest().toString(36)}`;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

const TIMED_OUT = Symbol('timed out');

/** The vector as the index would search with it, or null when it is not a finite, non-empty one. */
function toFloat32(value: unknown): Float32Array | null {
  if (!(value instanceof Float32Array) && !Array.isArray(value)) return null;
  if (value.length === 0) return null;
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number') return null;
    out[i] = x;
    if (!Number.isFinite(out[i])) return null;
  }
  return out;
}
