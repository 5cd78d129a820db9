import { withTimeout } from '../util/withTimeout.js';
import { Cyrb53 } from './Cyrb53.js';

/**
 * Texts embedded once per open, in one call (one per text if that call
 * fails), to tell embedders apart: a
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
 * no usable vector for any probe, or does not answer within `timeoutMs`:
 * then text answers are neither looked up nor stored.
 */
export async function embedderFingerprint(
  embed: ((texts: string[]) => unknown) | undefined,
  timeoutMs: number = PROBE_TIMEOUT_MS,
): Promise<string | null> {
  if (typeof embed !== 'function') return null;
  try {
    // A probe past its deadline rejects, as one that throws: no fingerprint.
    const answer = await withTimeout(probe(embed), timeoutMs, 'the embedder probe');
    if (!Array.isArray(answer) || answer.length !== PROBE_TEXTS.length) return null;
    const hash = new Cyrb53(PROBE_TEXTS.length);
    let dimensions = 0;
    for (const item of answer as unknown[]) {
      const vector = toFloat32(item);
      // An embedder may have nothing for a probe (a word-vector model that
      // knows none of its words): that it has nothing is part of its name.
      if (!vector) {
        hash.word(NO_VECTOR);
        continue;
      }
      dimensions = vector.length;
      hash.word(vector.length).words(new Uint32Array(vector.buffer, 0, vector.length));
    }
    // Nothing usable at all would name every such embedder alike.
    if (dimensions === 0) return null;
    return `${dimensions.toString(36)}.${hash.digest().toString(36)}`;
  } catch {
    return null;
  }
}

/**
 * The embedder's vectors for the probes: in one call, or, if that call
 * fails, one call per probe, so that an embedder that refuses some texts
 * (a word-vector model that knows none of their words) is still named by
 * the others; a probe it refused counts as having no vector.
 */
async function probe(embed: (texts: string[]) => unknown): Promise<unknown> {
  // Called in a microtask, so that an embedder that throws at once rejects here.
  const call = (texts: string[]) => Promise.resolve().then(() => embed(texts));
  try {
    return await call([...PROBE_TEXTS]);
  } catch {
    return Promise.all(
      PROBE_TEXTS.map((text) =>
        call([text]).then(
          (one) => (Array.isArray(one) && one.length === 1 ? (one[0] as unknown) : null),
          () => null,
        ),
      ),
    );
  }
}

/** Hashed in place of a probe the embedder gave no usable vector for. */
const NO_VECTOR = 0xffffffff;

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
