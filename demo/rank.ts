// The demo's last ranking step, shared with the relevance benchmark so that
// what it measures is what the page shows.
import type { Hit } from '../src/index.js';
import type { Embedder } from './embed.js';

/**
 * How much of a synset's prior (how common its words are, from 0 to about
 * 1.2; demo/prepare.mjs) is added to a candidate's score. Chosen on the
 * tuning descriptions of bench/relevance-tuning.json, not on the held-out set.
 */
export const PRIOR_WEIGHT = 0.2;

export interface Ranked extends Hit {
  /** The query-definition cosine, one of the parts of `score`. */
  readonly cosine: number;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 0;
}

/**
 * The candidates in the demo's order: by the mean of the query-definition
 * cosine and how well the definition covers the query's words (for each
 * query word its best cosine with a word of the definition), plus
 * `priorWeight` × the synset's prior, so that among definitions that match
 * about equally well the everyday word comes before the rare synonym or
 * species name. A mean of vectors blurs a definition that says more than
 * the query; the coverage does not.
 */
export function rerank(
  embedder: Embedder,
  query: string,
  hits: readonly Hit[],
  priorWeight = PRIOR_WEIGHT,
): Ranked[] {
  const coverage = embedder.coverage(query);
  const q = embedder.embed(query);
  return hits
    .map((hit) => {
      const { definition, prior } = hit.metadata as { definition: string; prior: number };
      const d = embedder.embed(definition);
      const c = q && d ? cosine(q, d) : 0;
      return { ...hit, cosine: c, score: (c + coverage(definition)) / 2 + priorWeight * prior };
    })
    .sort((a, b) => b.score - a.score);
}
