import { Cyrb53 } from '../cache/Cyrb53.js';
import { OptionReader } from '../optimizer/OptionReader.js';
import { gaussian, seededRandom } from '../util/seededRandom.js';

export interface VariationOptions {
  /** Variants of each query, beside the query itself; at most 1,000,000. @default 3 */
  readonly perQuery?: number;
  /**
   * Vectors: the noise added to each component, relative to the vector's
   * root-mean-square component (0.05: a copy about 5 % away); at most 10.
   * @default 0.05
   */
  readonly noise?: number;
  /** The same seed gives the same variants; a whole number from 0 to 2³² − 1. @default 1 */
  readonly seed?: number;
}

/** Bounds of the variation options. */
export const VARIATION_LIMITS = { perQuery: 1_000_000, noise: 10 } as const;

/** Ways a person asks the same thing again. */
const PREFIXES = ['find', 'what is', 'show me', 'something like', 'a word for'];

/**
 * The queries of a load test and their variants, made one at a time when
 * asked for, never all at once: `variant(q, v)` is query `q` itself for
 * v = 0 and its v-th variant otherwise, the same every time it is asked
 * for (so a repeated variant can hit the query cache, as a repeated
 * question would). A vector's variants are perturbed copies with
 * controlled noise (the same direction, slightly moved, as a neighbouring
 * query would be); a text's are rewrites: lower case, a question prefix, a
 * word dropped, two neighbouring words swapped.
 */
export class VariantPool {
  readonly #queries: readonly (Float32Array | string)[];
  readonly #perQuery: number;
  readonly #noise: number;
  readonly #seed: number;
  /** Per vector query, the noise's scale; computed when first needed. */
  readonly #scales: (number | undefined)[];

  /** `queries` are used as given (a vector is not copied): pass checked copies. */
  constructor(queries: readonly (Float32Array | string)[], options: VariationOptions | false = {}) {
    const read = OptionReader.of(options === false ? { perQuery: 0 } : options, 'variations.', [
      'perQuery',
      'noise',
      'seed',
    ]);
    this.#queries = queries;
    this.#perQuery = read.integer('perQuery', 0, VARIATION_LIMITS.perQuery, 3);
    this.#noise = read.number('noise', { min: 0, max: VARIATION_LIMITS.noise }, 0.05);
    this.#seed = read.integer('seed', 0, 2 ** 32 - 1, 1);
    this.#scales = new Array<number | undefined>(queries.length);
  }

  /** Variants made of each query, beside the query itself. */
  get perQuery(): number {
    return this.#perQuery;
  }

  /** Queries and variants in all. */
  get size(): number {
    return this.#queries.length * (this.#perQuery + 1);
  }

  /** One of them, uniformly at random. */
  pick(random: () => number): Float32Array | string {
    const q = Math.floor(random() * this.#queries.length);
    const v = this.#perQuery === 0 ? 0 : Math.floor(random() * (this.#perQuery + 1));
    return this.variant(q, v);
  }

  /** Query `q` (v = 0) or its v-th variant (1 ≤ v ≤ perQuery). */
  variant(q: number, v: number): Float32Array | string {
    const query = this.#queries[q];
    if (query === undefined || !Number.isInteger(v) || v < 0 || v > this.#perQuery)
      throw new RangeError(`no variant ${v} of query ${q}`);
    if (v === 0) return query;
    // Each variant draws from a generator of its own: the same one whatever was asked before.
    const random = seededRandom(new Cyrb53(this.#seed).word(q).word(v).digest());
    if (typeof query === 'string') return rewrite(query, v - 1, random);
    const scale = (this.#scales[q] ??= noiseScale(query, this.#noise));
    return query.map((x) => x + scale * gaussian(random));
  }
}

function noiseScale(vector: Float32Array, noise: number): number {
  let squares = 0;
  for (const x of vector) squares += x * x;
  return noise * Math.sqrt(squares / Math.max(1, vector.length));
}

/** The `n`-th rewrite of a text: the four kinds in turn. */
function rewrite(text: string, n: number, random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const words = text.trim().split(/\s+/);
  switch (n % 4) {
    case 0:
      return text.toLowerCase();
    case 1:
      return `${pick(PREFIXES)} ${text}`;
    case 2: {
      if (words.length < 3) return `${pick(PREFIXES)} ${text}`;
      const drop = Math.floor(random() * words.length);
      return words.filter((_, i) => i !== drop).join(' ');
    }
    default: {
      if (words.length < 2) return text.toUpperCase();
      const at = Math.floor(random() * (words.length - 1));
      const swapped = [...words];
      [swapped[at], swapped[at + 1]] = [swapped[at + 1] as string, swapped[at] as string];
      return swapped.join(' ');
    }
  }
}
