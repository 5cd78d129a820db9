import { VicinityError } from '../errors/VicinityError.js';
import type { VectorLike } from '../types.js';
import { gaussian, seededRandom } from '../util/seededRandom.js';

export interface VariationOptions {
  /** Variants made of each query, beside the query itself. @default 3 */
  readonly perQuery?: number;
  /**
   * Vectors: the noise added to each component, relative to the vector's
   * root-mean-square component (0.05: a copy about 5 % away). @default 0.05
   */
  readonly noise?: number;
  /** The same seed gives the same variants. @default 1 */
  readonly seed?: number;
}

/** Ways a person asks the same thing again. */
const PREFIXES = ['find', 'what is', 'show me', 'something like', 'a word for'];

/**
 * Test queries from the queries given: each one, then `perQuery` variants of
 * it. A vector's variants are perturbed copies with controlled noise (the
 * same direction, slightly moved, as a neighbouring query would be); a
 * text's are rewrites: lower case, a question prefix, a word dropped, two
 * neighbouring words swapped.
 */
export function queryVariations(
  queries: readonly (VectorLike | string)[],
  options: VariationOptions = {},
): (Float32Array | string)[] {
  const perQuery = options.perQuery ?? 3;
  const noise = options.noise ?? 0.05;
  if (!Number.isSafeInteger(perQuery) || perQuery < 0)
    throw new VicinityError('INVALID_OPTIONS', 'variations.perQuery must be a whole number ≥ 0');
  if (!(noise >= 0) || !Number.isFinite(noise))
    throw new VicinityError('INVALID_OPTIONS', 'variations.noise must be a finite number ≥ 0');
  const random = seededRandom(options.seed ?? 1);
  const out: (Float32Array | string)[] = [];
  for (const query of queries) {
    if (typeof query === 'string') {
      out.push(query, ...rewrites(query, perQuery, random));
      continue;
    }
    const base = Float32Array.from(query);
    out.push(base);
    let squares = 0;
    for (const x of base) squares += x * x;
    const scale = noise * Math.sqrt(squares / Math.max(1, base.length));
    for (let v = 0; v < perQuery; v++) out.push(base.map((x) => x + scale * gaussian(random)));
  }
  return out;
}

function rewrites(text: string, count: number, random: () => number): string[] {
  const words = text.trim().split(/\s+/);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const makers: (() => string)[] = [
    () => text.toLowerCase(),
    () => `${pick(PREFIXES)} ${text}`,
    () => {
      if (words.length < 3) return `${pick(PREFIXES)} ${text}`;
      const drop = Math.floor(random() * words.length);
      return words.filter((_, i) => i !== drop).join(' ');
    },
    () => {
      if (words.length < 2) return text.toUpperCase();
      const at = Math.floor(random() * (words.length - 1));
      const swapped = [...words];
      [swapped[at], swapped[at + 1]] = [swapped[at + 1] as string, swapped[at] as string];
      return swapped.join(' ');
    },
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => string)());
}
