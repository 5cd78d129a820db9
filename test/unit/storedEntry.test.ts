import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheKey, queryKey } from '../../src/cache/cacheKey.js';
import {
  readStoredEntry,
  STORED_VERSION,
  storedEntry,
  type StoredEntry,
} from '../../src/cache/storedEntry.js';
import type { Hit } from '../../src/core/types.js';

const NOW = 1_700_000_000_000;
const vector = new Float32Array([0.5, -1, 2]);
const key = (query: Float32Array | string, k = 3, embedder = 'e1') =>
  cacheKey({
    version: 'sabc',
    query,
    queryKey: queryKey(query, typeof query === 'string' ? embedder : undefined),
    k,
    efSearch: 64,
    filter: undefined,
  });
/** Hits as the engine makes them: cosine/ip score 1 − distance, l2 −distance, best first. */
const cosineHits: Hit[] = [
  { id: 'a', score: 1 - 0.125, distance: 0.125, metadata: { genre: 'x', n: [1, 2] } },
  { id: 'b', score: 1 - 0.5, distance: 0.5 },
];
const l2Hits: Hit[] = [
  { id: 'a', score: -0, distance: 0 },
  { id: 'b', score: -2.5, distance: 2.5 },
];

/** A record as IndexedDB gives it back: a structured clone. */
const stored = (k: string, query: Float32Array | string, hits: Hit[], expiresAt = NOW + 60_000) =>
  structuredClone(storedEntry(k, { query, hits }, expiresAt)) as StoredEntry;

describe('stored answers', () => {
  it('read back as written, vectors and texts, for either relation of score and distance', () => {
    for (const [query, hits] of [
      [vector, cosineHits],
      [vector, l2Hits],
      ['a large body of salt water', cosineHits],
      [vector, []],
    ] as const) {
      const k = key(query);
      const record = readStoredEntry(k, stored(k, query, [...hits]), NOW);
      expect(record).toEqual({ kind: 'entry', entry: { query, hits }, ttlMs: 60_000 });
    }
  });

  it('any change to a field fails the checksum: corrupt', () => {
    const k = key(vector);
    const good = stored(k, vector, cosineHits);
    const edits: ((r: { -readonly [K in keyof StoredEntry]: StoredEntry[K] }) => void)[] = [
      (r) => ((r.hits[0] as { id: string }).id = 'not-in-the-index'),
      (r) => ((r.hits[0] as { score: number }).score = 42),
      (r) => ((r.hits[1] as { distance: number }).distance = 0.75),
      (r) => ((r.hits[0] as { metadata: unknown }).metadata = { genre: 'y', n: [1, 2] }),
      (r) => (r.hits = r.hits.slice(0, 1)),
      (r) => (r.expiresAt += 1),
      (r) => (r.query = new Float32Array([0.5, -1, 2.5])),
      (r) => (r.sum += 1),
    ];
    for (const edit of edits) {
      const record = structuredClone(good);
      edit(record);
      expect(readStoredEntry(k, record, NOW)).toMatchObject({ kind: 'corrupt' });
    }
    // The same record under another key (another k, say) fails too.
    expect(readStoredEntry(key(vector, 4), good, NOW)).toMatchObject({
      kind: 'corrupt',
      why: 'checksum mismatch',
    });
  });

  it('a record with a valid checksum that the index could not have given is corrupt', () => {
    const cases: [string, Float32Array | string, Hit[], RegExp][] = [
      [key(vector, 1), vector, cosineHits, /2 hits for k = 1/],
      [key(vector), vector, [cosineHits[0]!, cosineHits[0]!], /twice/],
      [key(vector), vector, [cosineHits[1]!, cosineHits[0]!], /best first/],
      [key(vector), vector, [{ id: 'a', score: 0.3, distance: 0.5 }], /does not go with/],
      [key(vector), vector, [l2Hits[1]!, { id: 'c', score: 1 - 3, distance: 3 }], /does not go/],
      [key(vector), vector, [{ id: 'a', score: Number.NaN, distance: Number.NaN }], /finite/],
      [key(vector), vector, [{ id: 'a', score: 1 - Infinity, distance: Infinity }], /finite/],
      [key(new Float32Array([9])), vector, cosineHits, /another vector/],
      [key('other text'), 'a text', cosineHits, /another text/],
      ['sabc|x|64||v1', vector, cosineHits, /no k/],
    ];
    for (const [k, query, hits, why] of cases) {
      const record = readStoredEntry(k, stored(k, query, hits), NOW);
      expect(record).toMatchObject({ kind: 'corrupt', why: expect.stringMatching(why) });
    }
    const empty = stored(key(vector), vector, [{ id: '', score: 1, distance: 0 }]);
    expect(readStoredEntry(key(vector), empty, NOW)).toMatchObject({ kind: 'corrupt' });
  });

  it('records of format 1 and expired ones are stale (dropped); others of no known format corrupt', () => {
    const k = key(vector);
    const v1 = { v: 1, query: vector, hits: cosineHits, expiresAt: NOW + 60_000 };
    expect(readStoredEntry(k, v1, NOW)).toMatchObject({ kind: 'stale' });
    expect(readStoredEntry(k, { ...v1, hits: 'no' }, NOW)).toMatchObject({ kind: 'corrupt' });
    expect(readStoredEntry(k, { ...stored(k, vector, cosineHits), v: 3 }, NOW)).toMatchObject({
      kind: 'corrupt',
    });
    expect(readStoredEntry(k, stored(k, vector, cosineHits, NOW), NOW)).toEqual({
      kind: 'stale',
      why: 'expired',
    });
    for (const garbage of [null, 'text', 42, [], { v: STORED_VERSION }])
      expect(readStoredEntry(k, garbage, NOW)).toMatchObject({ kind: 'corrupt' });
    expect(readStoredEntry(7, stored(k, vector, cosineHits), NOW)).toMatchObject({
      kind: 'corrupt',
    });
  });

  it('any answer the engine could give survives the round trip', () => {
    const hit = fc.record({
      id: fc.string({ minLength: 1, maxLength: 12 }),
      distance: fc.double({ min: 0, max: 4, noNaN: true }),
      metadata: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(hit, { selector: (h) => h.id, maxLength: 10 }),
        fc.boolean(),
        fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: 1, maxLength: 16 }),
        (raw, l2, query) => {
          const hits: Hit[] = raw
            .sort((a, b) => a.distance - b.distance)
            .map(({ id, distance, metadata }) => ({
              id,
              distance,
              score: l2 ? -distance : 1 - distance,
              ...(metadata === undefined ? {} : { metadata: JSON.parse(JSON.stringify(metadata)) }),
            }));
          const k = key(query, 10);
          expect(readStoredEntry(k, stored(k, query, hits), NOW)).toMatchObject({ kind: 'entry' });
        },
      ),
    );
  });
});
