// The page's half of the embedding that demo/prepare.mjs describes: a text
// becomes the SIF-weighted mean of its words' vectors, less the component all
// glosses share, scaled to unit length. Glosses and queries go through the
// same function, so that they are compared like with like.

export interface Vocabulary {
  readonly dimensions: number;
  readonly words: string[];
  readonly weights: number[];
  readonly scales: number[];
  readonly component: number[];
}

/**
 * Lower-case words of two letters or more (the embeddings have no vector for
 * "a" or "i"); the same rule as demo/prepare.mjs.
 */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z]{2,}(?:'[a-z]+)?/g) ?? [];
}

export class Embedder {
  readonly dimensions: number;
  readonly #row: Map<string, number>;
  readonly #vectors: Int8Array;
  readonly #factors: Float32Array;
  readonly #weights: Float32Array;
  readonly #component: Float32Array;
  /** Length of each word's int8 row, for cosines between words. */
  readonly #norms: Float32Array;

  constructor(vocabulary: Vocabulary, vectors: Int8Array) {
    this.dimensions = vocabulary.dimensions;
    this.#row = new Map(vocabulary.words.map((word, i) => [word, i]));
    this.#vectors = vectors;
    // A word's weight and its quantisation scale, applied in one product.
    this.#factors = Float32Array.from(vocabulary.weights, (w, i) => w * vocabulary.scales[i]!);
    this.#weights = Float32Array.from(vocabulary.weights);
    this.#component = Float32Array.from(vocabulary.component);
    const d = this.dimensions;
    this.#norms = new Float32Array(vocabulary.words.length);
    for (let row = 0; row < this.#norms.length; row++) {
      let sum = 0;
      for (let i = row * d; i < (row + 1) * d; i++) sum += vectors[i]! * vectors[i]!;
      this.#norms[row] = Math.sqrt(sum) || 1;
    }
  }

  #rows(text: string): number[] {
    const rows = new Set<number>();
    for (const token of tokens(text)) {
      const row = this.#row.get(token);
      if (row !== undefined) rows.add(row);
    }
    return [...rows];
  }

  /**
   * How well a text covers the words of `query`: for each query word, its
   * best cosine with a word of the text, averaged with the words' SIF weights.
   * The query's words are looked up once, for every text the result is given.
   * A mean of vectors blurs a definition that says more than the query
   * ("a division of an ocean or a large body of salt water partially
   * enclosed by land" for "a large body of salt water"); this does not.
   */
  coverage(query: string): (text: string) => number {
    const queryRows = this.#rows(query);
    return (text) => this.#coverage(queryRows, this.#rows(text));
  }

  #coverage(queryRows: number[], words: number[]): number {
    const d = this.dimensions;
    const vectors = this.#vectors;
    let sum = 0;
    let weights = 0;
    for (const q of queryRows) {
      let best = -1;
      for (const w of words) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += vectors[q * d + i]! * vectors[w * d + i]!;
        best = Math.max(best, dot / (this.#norms[q]! * this.#norms[w]!));
      }
      const weight = this.#weights[q]!;
      sum += weight * best;
      weights += weight;
    }
    return weights > 0 ? sum / weights : 0;
  }

  /** The words of `text` that have no vector (and are left out of its embedding). */
  unknown(text: string): string[] {
    return tokens(text).filter((token) => !this.#row.has(token));
  }

  /** Null when no word of `text` is known. */
  embed(text: string): Float32Array | null {
    const d = this.dimensions;
    const out = new Float32Array(d);
    let known = 0;
    for (const token of tokens(text)) {
      const row = this.#row.get(token);
      if (row === undefined) continue;
      known++;
      const factor = this.#factors[row]!;
      const offset = row * d;
      for (let i = 0; i < d; i++) out[i]! += factor * this.#vectors[offset + i]!;
    }
    if (known === 0) return null;
    // The mean, less its projection on the shared component. (Cosine search
    // would not need the division, but it keeps the numbers those of SIF.)
    let dot = 0;
    for (let i = 0; i < d; i++) {
      out[i]! /= known;
      dot += out[i]! * this.#component[i]!;
    }
    let norm = 0;
    for (let i = 0; i < d; i++) {
      out[i]! -= dot * this.#component[i]!;
      norm += out[i]! * out[i]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) out[i]! /= norm;
    return out;
  }
}
