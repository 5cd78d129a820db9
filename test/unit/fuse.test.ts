import { describe, expect, it } from 'vitest';
import { fuse, RRF_K } from '../../src/search/fuse.js';
import { readSearchMode, resolveFusion } from '../../src/search/searchMode.js';
import { tokenize } from '../../src/text/tokenize.js';

const list = (...ids: string[]) => ids.map((id, i) => ({ id, score: 10 - i }));

describe('fuse', () => {
  it('sums 1 / (60 + rank) over the sides that found an item', () => {
    const out = fuse(list('a', 'b', 'c'), list('c', 'd'), { method: 'rrf', k: RRF_K }, 10);
    const score = Object.fromEntries(out.map((f) => [f.id, f.score]));
    expect(score.c).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(score.a).toBeCloseTo(1 / 61, 15);
    expect(score.d).toBeCloseTo(1 / 62, 15);
    // b and d tie at 1/62 and rank 2: the id decides.
    expect(out.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(out[0]).toMatchObject({ vectorRank: 3, textRank: 1 });
    expect(out.find((f) => f.id === 'd')).toMatchObject({ vectorRank: null, textRank: 2 });
  });

  it('max-normalises each side for the weighted sum', () => {
    const vector = [
      { id: 'a', score: 0.8 },
      { id: 'b', score: 0.4 },
    ];
    const text = [
      { id: 'b', score: 12 },
      { id: 'c', score: 3 },
    ];
    const out = fuse(vector, text, { method: 'weighted', vector: 0.3, text: 0.7 }, 10);
    const score = Object.fromEntries(out.map((f) => [f.id, f.score]));
    expect(score.a).toBeCloseTo(0.3, 12);
    expect(score.b).toBeCloseTo(0.3 * 0.5 + 0.7, 12);
    expect(score.c).toBeCloseTo(0.7 * 0.25, 12);
  });

  it('returns k of the union, and counts a repeated id once', () => {
    expect(fuse(list('a', 'a', 'b'), [], { method: 'rrf', k: 60 }, 5)).toHaveLength(2);
    expect(fuse(list('a', 'b', 'c'), list('d', 'e'), { method: 'rrf', k: 60 }, 3)).toHaveLength(3);
  });
});

describe('search modes', () => {
  it('resolves fusion options and rejects bad ones', () => {
    expect(resolveFusion(undefined)).toEqual({ method: 'rrf', k: 60 });
    expect(resolveFusion('weighted')).toEqual({ method: 'weighted', vector: 0.5, text: 0.5 });
    expect(() => resolveFusion('max')).toThrow(/fusion/);
    expect(() => resolveFusion({ method: 'weighted', vector: -1 })).toThrow(/weights/);
    expect(() => readSearchMode({ mode: 'fuzzy' })).toThrow(/mode/);
    expect(readSearchMode({ mode: 'hybrid', k: 5 }).request?.(5).candidates).toBe(40);
    expect(readSearchMode({ mode: 'hybrid', candidates: 3 }).request?.(10).candidates).toBe(10);
  });

  it('tokenises English with stop words and stemming', () => {
    expect(tokenize('The leaves are falling in autumn', 'english')).toEqual([
      'leav',
      'fall',
      'autumn',
    ]);
    expect(tokenize('The Leaves', 'simple')).toEqual(['the', 'leaves']);
  });
});
