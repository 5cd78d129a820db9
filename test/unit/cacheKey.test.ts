import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cacheKey,
  canonicalJson,
  hashVector,
  queryKey,
  sameQuery,
} from '../../src/cache/cacheKey.js';
import type { Filter } from '../../src/core/types.js';

const base = {
  version: 's1',
  query: new Float32Array([0.5, -1, 2]),
  k: 10,
  efSearch: 64,
  filter: undefined,
};

describe('cacheKey', () => {
  it('does not depend on the key order of a filter, at any depth', () => {
    const a: Filter = { genre: 'x', year: { $gte: 1990, $lt: 2000 }, $or: [{ a: 1, b: 2 }] };
    const b: Filter = { $or: [{ b: 2, a: 1 }], year: { $lt: 2000, $gte: 1990 }, genre: 'x' };
    expect(cacheKey({ ...base, filter: a })).toBe(cacheKey({ ...base, filter: b }));
  });

  it('drops filter keys that are undefined (filters ignore them), and tells them from null', () => {
    const key = (filter: Filter) => cacheKey({ ...base, filter });
    expect(key({ color: undefined, a: 1 })).toBe(key({ a: 1 }));
    expect(key({ color: undefined })).not.toBe(key({ color: null }));
    expect(key({ tags: { $in: [undefined] } } as unknown as Filter)).not.toBe(
      key({ tags: { $in: [null] } }),
    );
  });

  it('changes with everything that changes an answer', () => {
    const key = cacheKey(base);
    const variants = [
      { ...base, version: 's2' },
      { ...base, k: 11 },
      { ...base, efSearch: 65 },
      { ...base, filter: { genre: 'x' } },
      { ...base, query: new Float32Array([0.5, -1, 2.0001]) },
      { ...base, query: 'text' },
    ];
    for (const variant of variants) expect(cacheKey(variant)).not.toBe(key);
  });

  it('keys a text query by its text, distinct from any vector', () => {
    expect(cacheKey({ ...base, query: 'v1' })).not.toBe(
      cacheKey({ ...base, query: 'v' + '1' + ' ' }),
    );
    expect(cacheKey({ ...base, query: 'abc' })).toBe(cacheKey({ ...base, query: 'abc' }));
  });

  it("keys a text with its embedder's fingerprint; without one, by the text alone (the query log's key)", () => {
    const withEmbedder = (embedder: string) =>
      cacheKey({ ...base, query: 'abc', queryKey: queryKey('abc', embedder) });
    expect(withEmbedder('4.e1')).not.toBe(withEmbedder('4.e2'));
    expect(withEmbedder('4.e1')).toBe(withEmbedder('4.e1'));
    expect(withEmbedder('4.e1')).not.toBe(cacheKey({ ...base, query: 'abc' }));
    expect(queryKey('abc')).toBe('tabc');
    // A vector's part does not depend on the embedder.
    expect(queryKey(base.query, '4.e1')).toBe(queryKey(base.query));
  });

  it('canonical JSON parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('hashes equal vectors equally, and compares queries exactly', () => {
    fc.assert(
      fc.property(fc.float32Array({ noNaN: true, minLength: 1, maxLength: 64 }), (v) => {
        expect(hashVector(v.slice())).toBe(hashVector(v));
        expect(sameQuery(v, v.slice())).toBe(true);
      }),
    );
    expect(sameQuery(new Float32Array([1]), new Float32Array([1, 0]))).toBe(false);
    expect(sameQuery('a', new Float32Array([1]))).toBe(false);
  });
});
