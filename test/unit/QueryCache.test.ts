import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueryCache, entryBytes } from '../../src/cache/QueryCache.js';
import type { Hit } from '../../src/core/types.js';
import { assertMetadata } from '../../src/validation/plainData.js';

const hits = (n: number, prefix = 'id'): Hit[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    score: 1 - i / 10,
    distance: i / 10,
  }));

/** A manual clock for the cache's time to live. */
function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/**
 * Metadata as an upsert accepts it (assertMetadata): JSON values without
 * what a JSON save changes, such as -0, which fc.jsonValue can give.
 */
const metadataValue = fc.dictionary(fc.string(), fc.jsonValue()).filter((m) => {
  try {
    assertMetadata(m, 'generated');
    return true;
  } catch {
    return false;
  }
});

function cache(maxBytes = 10_000, ttlMs = 60_000, now = clock().now) {
  return new QueryCache({ maxBytes, ttlMs, now });
}

describe('QueryCache', () => {
  it('returns what was cached for the same query only', () => {
    const c = cache();
    const query = new Float32Array([1, 2, 3]);
    c.set('k', query, hits(3));
    expect(c.get('k', new Float32Array([1, 2, 3]))).toEqual(hits(3));
    // Same key, other query (a hash collision): a miss, not a wrong answer.
    expect(c.get('k', new Float32Array([1, 2, 4]))).toBeUndefined();
    expect(c.get('other', query)).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 1, misses: 2, hitRate: 1 / 3, entries: 1 });
  });

  it('evicts the least recently used entry first', () => {
    const one = entryBytes({ query: 'q0', hits: hits(2) });
    const c = cache(one * 10 + 5);
    for (let i = 0; i < 10; i++) c.set(`q${i}`, `q${i}`, hits(2));
    c.get('q0', 'q0'); // q1 is now the least recently used
    c.set('qa', 'qa', hits(2));
    expect(c.has('q1')).toBe(false);
    expect(['q0', 'q2', 'q9', 'qa'].every((q) => c.has(q))).toBe(true);
    expect(c.stats().evictions).toBe(1);
  });

  it('accounts bytes per entry and never holds more than its capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 12 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 2_000, max: 20_000 }),
        (writes, maxBytes) => {
          const c = cache(maxBytes);
          const live = new Map<string, number>();
          for (const [query, n] of writes) {
            const size = entryBytes({ query, hits: hits(n) });
            if (c.set(query, query, hits(n))) live.set(query, size);
            const stats = c.stats();
            expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
            let sum = 0;
            for (const [q, s] of live) if (c.has(q)) sum += s;
            expect(stats.bytes).toBe(sum);
          }
        },
      ),
    );
  });

  it('refuses an entry larger than a tenth of its capacity', () => {
    const small = entryBytes({ query: 'a', hits: hits(1) });
    const c = cache(small * 10);
    expect(c.set('a', 'a', hits(1))).toBe(true);
    expect(c.set('b', 'b', hits(5))).toBe(false);
    expect(c.has('b')).toBe(false);
    expect(c.stats()).toMatchObject({ rejected: 1, entries: 1 });
  });

  it('expires entries after their time to live', () => {
    const time = clock();
    const c = cache(10_000, 1_000, time.now);
    c.set('a', 'a', hits(1));
    time.advance(999);
    expect(c.get('a', 'a')).toBeDefined();
    time.advance(2);
    expect(c.get('a', 'a')).toBeUndefined();
    expect(c.stats()).toMatchObject({ expirations: 1, entries: 0, bytes: 0 });
  });

  it('resizes at run time: shrinking keeps the most recent, growing keeps all', () => {
    const one = entryBytes({ query: 'q10', hits: hits(2) });
    const c = cache(one * 40);
    for (let i = 10; i < 30; i++) c.set(`q${i}`, `q${i}`, hits(2));
    c.get('q10', 'q10');
    c.resize(one * 30);
    expect(c.stats().entries).toBe(20);
    c.resize(one * 10 + 5);
    expect(c.stats()).toMatchObject({ entries: 10, maxBytes: one * 10 + 5, evictions: 10 });
    expect(c.has('q10') && c.has('q29') && c.has('q21')).toBe(true);
    expect(c.has('q20')).toBe(false);
    c.resize(one * 50);
    c.set('q30', 'q30', hits(2));
    expect(c.stats().entries).toBe(11);
  });

  it('keeps time to live across a resize', () => {
    const time = clock();
    const c = cache(10_000, 1_000, time.now);
    c.set('a', 'a', hits(1));
    time.advance(600);
    c.resize(20_000);
    time.advance(500);
    expect(c.get('a', 'a')).toBeUndefined();
  });

  it('cannot be changed through a result or through what was cached', () => {
    const c = cache();
    const original = [{ id: 'a', score: 1, distance: 0, metadata: { tags: ['x'] } }];
    c.set('k', 'q', original);
    original[0]!.id = 'changed';
    original[0]!.metadata.tags.push('y');
    const first = c.get('k', 'q')!;
    (first[0] as { score: number }).score = 42;
    (first[0]!.metadata as { tags: string[] }).tags.push('z');
    first.pop();
    expect(c.get('k', 'q')).toEqual([
      { id: 'a', score: 1, distance: 0, metadata: { tags: ['x'] } },
    ]);
  });

  it('gives back metadata exactly, fields in order, from a hit and from what is stored', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(metadataValue, { nil: undefined }), { maxLength: 5 }),
        (metadata) => {
          const c = cache(1 << 20);
          const given: Hit[] = metadata.map((m, i) => ({
            id: `id${i}`,
            score: i,
            distance: -i,
            ...(m === undefined ? {} : { metadata: m as Hit['metadata'] }),
            ranks: { vector: i + 1, text: null },
          }));
          c.set('k', 'q', given);
          const back = c.get('k', 'q')!;
          expect(back).toEqual(given);
          back.forEach((hit, i) => expect(Object.keys(hit)).toEqual(Object.keys(given[i]!)));
          expect(c.peek('k')!.read().hits).toEqual(given);
        },
      ),
    );
  });

  it('tells persistence of every removal but not of a replacement', () => {
    const removed: string[] = [];
    const time = clock();
    const c = new QueryCache({
      maxBytes: 10_000,
      ttlMs: 100,
      now: time.now,
      onRemove: (k) => removed.push(k),
    });
    c.set('a', 'a', hits(1));
    c.set('a', 'a', hits(2));
    c.set('b', 'b', hits(1));
    c.retain((k) => k !== 'b');
    time.advance(200);
    c.get('a', 'a');
    expect(removed).toEqual(['b', 'a']);
  });
});
