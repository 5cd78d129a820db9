import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CacheStore, MAX_PENDING_PUTS } from '../../src/cache/CacheStore.js';

/** A key as the cache makes them: version, k, efSearch, filter, then the text with its embedder. */
const key = (i: number) => `s|10|64||tE:q${i}`;
const entry = (i: number) => ({
  query: `q${i}`,
  hits: [{ id: `a${i}`, score: 0.5, distance: 0.5 }],
});

describe('CacheStore', () => {
  it('writes only when flushed, at most the newest MAX_PENDING_PUTS answers in one go', async () => {
    const name = `store-${Math.random()}`;
    const store = new CacheStore(name);
    for (let i = 0; i < MAX_PENDING_PUTS + 44; i++) store.put(key(i), () => entry(i), 60_000);
    // Put again: the newest of all, not pushed out.
    store.put(key(0), () => entry(0), 60_000);
    expect(store.pending).toBe(true);
    // Nothing is stored until the owner flushes.
    expect((await new CacheStore(name).load(() => true)).entries).toEqual([]);
    await store.flush();
    expect(store.pending).toBe(false);
    const loaded = await new CacheStore(name).load(() => true);
    const keys = loaded.entries.map((e) => e.key).sort();
    expect(keys).toHaveLength(MAX_PENDING_PUTS);
    expect(keys).toContain(key(0));
    // The oldest pending answers (1 to 44) were left to the memory cache.
    for (let i = 1; i <= 44; i++) expect(keys).not.toContain(key(i));
    expect(keys).toContain(key(45));
    expect(keys).toContain(key(MAX_PENDING_PUTS + 43));
  });
});
