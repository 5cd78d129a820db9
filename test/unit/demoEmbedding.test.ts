import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Embedder, tokens, type Vocabulary } from '../../demo/embed.js';
import { tokens as prepareTokens } from '../../demo/prepare.mjs';

// The demo embeds definitions and queries with one function; the script that
// prepares its assets must cut text into the same words.

const text = fc.string({
  unit: fc.constantFrom(..."abcXYZ '-,.é1".split('')),
  maxLength: 40,
});

/** Three words on orthogonal axes (with different scales), one along their sum. */
function tiny(): { vocabulary: Vocabulary; vectors: Int8Array } {
  const vocabulary: Vocabulary = {
    dimensions: 4,
    words: ['ab', 'cd', 'ef', 'gh'],
    weights: [0.5, 0.25, 1, 0.8],
    scales: [0.1, 0.2, 0.05, 0.1],
    component: [0, 0, 0, 1],
  };
  // prettier-ignore
  const vectors = Int8Array.from([
    100, 0, 0, 0,
    0, 100, 0, 0,
    0, 0, 100, 0,
    50, 50, 0, 50,
  ]);
  return { vocabulary, vectors };
}

describe('demo embedding', () => {
  it('the page and the preparation script cut text into the same words', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(tokens(t)).toEqual(prepareTokens(t));
      }),
    );
    expect(tokens("The sea's edge, a B-road")).toEqual(['the', "sea's", 'edge', 'road']);
  });

  it('embeds the SIF-weighted mean of the known words, less the shared component, at unit length', () => {
    const { vocabulary, vectors } = tiny();
    const embedder = new Embedder(vocabulary, vectors);
    const got = embedder.embed('AB gh zz')!;
    // ab: 0.5 × 0.1 × (100,0,0,0); gh: 0.8 × 0.1 × (50,50,0,50); zz unknown.
    const mean = [(5 + 4) / 2, 4 / 2, 0, 4 / 2];
    mean[3] = 0; // the component (0,0,0,1) removed
    const norm = Math.hypot(...mean);
    expect([...got].map((x) => Number(x.toFixed(6)))).toEqual(
      mean.map((x) => Number((x / norm).toFixed(6))),
    );
    expect(embedder.unknown('AB gh zz')).toEqual(['zz']);
    expect(embedder.embed('zz yy a')).toBeNull();
  });

  it('coverage: each query word by its best match in the text, weighted', () => {
    const { vocabulary, vectors } = tiny();
    const embedder = new Embedder(vocabulary, vectors);
    expect(embedder.coverage('ab cd')('cd then ab')).toBeCloseTo(1, 6);
    // ab found (cos 1), cd orthogonal to ab and ef (best cos 0): weight 0.5 of 0.75.
    expect(embedder.coverage('ab cd')('ab ef')).toBeCloseTo(0.5 / 0.75, 6);
    // gh against ab: cos = 50 / (100 × √7500).
    expect(embedder.coverage('gh')('ab')).toBeCloseTo(5000 / (100 * Math.sqrt(7500)), 6);
    expect(embedder.coverage('zz')('ab')).toBe(0);
  });
});
