import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { IndexCache, type CacheInputs } from '../../src/cache/IndexCache.js';
import type { LoggedQuery } from '../../src/cache/QueryLog.js';
import type { Hit } from '../../src/core/types.js';

/** Persisted: text keys need the embedder's fingerprint, as answers outlive the page. */
const OPTIONS = { maxBytes: 1 << 20, ttlMs: 60_000, persist: true, logSize: 100 };
let names = 0;
const embedder = (seed: number) => (texts: string[]) =>
  texts.map((t) => [t.length + seed, seed, 1, 0]);
const hits: Hit[] = [{ id: 'a', score: 0.5, distance: 0.5 }];

function cache(host: Partial<CacheInputs> = {}, options = OPTIONS) {
  const searched: LoggedQuery[] = [];
  const full: CacheInputs = {
    content: { cacheVersion: 'sabc', efSearch: 64 },
    activity: { busy: false },
    search: async (q) => void searched.push(q),
    ...host,
  };
  return { cache: new IndexCache(`test-${++names}`, options, full), searched };
}

describe('IndexCache and the embedder', () => {
  it('caches text only once the fingerprint is known; vectors at once', async () => {
    const { cache: c } = cache({ embed: embedder(1) });
    const vector = new Float32Array([1, 2, 3, 4]);
    expect(c.key(vector, 5, undefined, undefined)).not.toBeNull();
    expect(c.key('hello', 5, undefined, undefined)).toBeNull();
    await c.load();
    const key = c.key('hello', 5, undefined, undefined);
    expect(key).not.toBeNull();
    c.remember(key!, 'hello', hits);
    expect(c.lookup(key!, 'hello')).toEqual(hits);
  });

  it('keys the same text differently under another embedder, alike under the same one', async () => {
    const keyWith = async (embed: CacheInputs['embed']) => {
      const { cache: c } = cache({ embed });
      await c.load();
      return c.key('hello', 5, undefined, undefined);
    };
    const a = await keyWith(embedder(1));
    expect(await keyWith(embedder(1))).toBe(a);
    expect(await keyWith(embedder(2))).not.toBe(a);
    // A key made from the text alone (as the query log counts it) is not a cache key.
    expect(a).not.toMatch(/\|thello$/);
  });

  it('caches no text without an embedder, or when the probe fails', async () => {
    for (const embed of [undefined, () => Promise.reject(new Error('offline'))]) {
      const { cache: c } = cache({ embed });
      await c.load();
      expect(c.key('hello', 5, undefined, undefined)).toBeNull();
    }
  });

  it('without persistence never calls the embedder, and caches text at once', async () => {
    const embed = vi.fn(embedder(1));
    const { cache: c } = cache({ embed }, { ...OPTIONS, persist: false });
    const key = c.key('hello', 5, undefined, undefined);
    expect(key).not.toBeNull();
    c.remember(key!, 'hello', hits);
    expect(c.lookup(key!, 'hello')).toEqual(hits);
    await c.load();
    expect(embed).not.toHaveBeenCalled();
    // Still no text key without an embedder: a text query could not have been searched.
    expect(
      cache({}, { ...OPTIONS, persist: false }).cache.key('hi', 5, undefined, undefined),
    ).toBeNull();
  });

  it('probes once, and warms text queries only with a fingerprint', async () => {
    const embed = vi.fn(embedder(1));
    const { cache: c, searched } = cache({ embed });
    for (let i = 0; i < 3; i++) {
      c.record('hello', 5, undefined);
      c.record(new Float32Array([1, 0, 0, 0]), 5, undefined);
    }
    const warmed = await c.warm({ minFrequency: 1 });
    expect(warmed).toMatchObject({ total: 2, warmed: 2 });
    expect(embed).toHaveBeenCalledTimes(1);

    const none = cache({});
    for (let i = 0; i < 3; i++) {
      none.cache.record('hello', 5, undefined);
      none.cache.record(new Float32Array([1, 0, 0, 0]), 5, undefined);
    }
    // The text could not be cached: it is left out, not run for nothing.
    expect(await none.cache.warm({ minFrequency: 1 })).toMatchObject({ total: 1, warmed: 1 });
    expect(none.searched.map((q) => typeof q.query)).toEqual(['object']);
    expect(searched).toHaveLength(2);
  });
});
