import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { VicinityError } from '../../src/errors/VicinityError.js';
import { IndexStore, storeDatabaseName, type ManifestDraft } from '../../src/storage/IndexStore.js';
import { sha256Hex } from '../../src/storage/checksum.js';
import { FORMAT_VERSION, type Manifest } from '../../src/storage/Manifest.js';

type Draft = ManifestDraft;

function draft(generation: number): Draft {
  return {
    format: FORMAT_VERSION,
    engine: 'hnswlib-wasm',
    engineFormat: 'hnswlib-wasm32',
    dimensions: 4,
    metric: 'l2',
    M: 16,
    efConstruction: 200,
    count: generation,
    generation,
    engineByteLength: 8,
    savedAt: generation,
  };
}

const bytesOf = (generation: number) => new Uint8Array(16).fill(generation);

/** Rewrites a stored record of one generation behind the store's back. */
async function tamper<T>(
  name: string,
  generation: number,
  change: (record: T) => T,
  objectStore: 'snapshots' | 'manifests' = 'snapshots',
) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(storeDatabaseName(name));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  // A snapshot's bytes are its chunks (one, at these sizes), keyed by content.
  const key =
    objectStore === 'manifests'
      ? generation
      : await new Promise<string>((resolve) => {
          const get = db.transaction('manifests').objectStore('manifests').get(generation);
          get.onsuccess = () => resolve((get.result as Manifest).chunks![0]!.key);
        });
  const storeName = objectStore === 'manifests' ? 'manifests' : 'chunks';
  const tx = db.transaction(storeName, 'readwrite');
  const store = tx.objectStore(storeName);
  await new Promise<void>((resolve) => {
    const get = store.get(key);
    get.onsuccess = () => {
      store.put(change(get.result as T), key);
      resolve();
    };
  });
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

let names: string[] = [];
async function freshStore(): Promise<[IndexStore, string]> {
  const name = `store-${Math.random()}`;
  names.push(name);
  return [await IndexStore.open(name), name];
}

afterEach(async () => {
  await Promise.all(names.map((n) => IndexStore.delete(n)));
  names = [];
});

describe('IndexStore', () => {
  it('returns null before the first save', async () => {
    const [store] = await freshStore();
    expect(await store.readLatest()).toBeNull();
    store.close();
  });

  it('reads back the newest generation and keeps exactly one older', async () => {
    const [store] = await freshStore();
    for (const g of [1, 2, 3, 4]) await store.write(draft(g), bytesOf(g), g > 1 ? g - 1 : null);
    expect(await store.generations()).toEqual([4, 3]);
    const latest = await store.readLatest();
    expect(latest?.manifest.generation).toBe(4);
    expect(latest?.bytes).toEqual(bytesOf(4));
    expect(latest?.recoveredFrom).toBeNull();
    store.close();
  });

  it.each([
    ['a flipped bit', (b: Uint8Array) => b.map((x, i) => (i === 5 ? x ^ 1 : x))],
    ['a truncation', (b: Uint8Array) => b.slice(0, 10)],
  ])('falls back to the previous generation after %s of the newest', async (_what, change) => {
    const [store, name] = await freshStore();
    await store.write(draft(1), bytesOf(1), null);
    await store.write(draft(2), bytesOf(2), 1);
    await tamper<Uint8Array>(name, 2, change);
    const latest = await store.readLatest();
    expect(latest?.manifest.generation).toBe(1);
    expect(latest?.bytes).toEqual(bytesOf(1));
    expect(latest?.recoveredFrom?.generation).toBe(2);
    store.close();
  });

  it('fails with INDEX_CORRUPTED when no generation verifies', async () => {
    const [store, name] = await freshStore();
    await store.write(draft(1), bytesOf(1), null);
    await tamper<Uint8Array>(name, 1, (b) => b.slice(1));
    const error = await store.readLatest().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VicinityError);
    expect((error as VicinityError).code).toBe('INDEX_CORRUPTED');
    store.close();
  });

  it.each<[string, Partial<Manifest>]>([
    ['metric', { metric: 'ip' }],
    ['dimensions', { dimensions: 8 }],
    ['count', { count: 99 }],
    ['engine', { engine: 'simd' }],
  ])(
    'falls back when a valid-looking %s in the newest manifest was changed',
    async (_f, change) => {
      const [store, name] = await freshStore();
      await store.write(draft(1), bytesOf(1), null);
      await store.write(draft(2), bytesOf(2), 1);
      await tamper<Manifest>(name, 2, (m) => ({ ...m, ...change }), 'manifests');
      const latest = await store.readLatest();
      expect(latest?.manifest.generation).toBe(1);
      expect(latest?.recoveredFrom).toEqual({
        generation: 2,
        reason: 'manifest fails its checksum',
      });
      store.close();
    },
  );

  it('reads a format 1 snapshot (one record, no manifest checksum) and writes chunks after it', async () => {
    const [store, name] = await freshStore();
    store.close();
    // Format 1 as it was written: the bytes in one record, the manifest without a checksum.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open(storeDatabaseName(name));
      req.onsuccess = () => resolve(req.result);
    });
    const tx = db.transaction(['manifests', 'snapshots'], 'readwrite');
    tx.objectStore('manifests').put(
      { ...draft(1), format: 1, byteLength: 16, checksum: await sha256Hex(bytesOf(1)) },
      1,
    );
    tx.objectStore('snapshots').put(bytesOf(1), 1);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    const reopened = await IndexStore.open(name);
    const latest = await reopened.readLatest();
    expect(latest?.migratedFrom).toBe(1);
    expect(latest?.bytes).toEqual(bytesOf(1));
    expect(latest?.manifest).toMatchObject({ format: FORMAT_VERSION, generation: 1, chunks: null });
    expect(latest?.manifest.manifestChecksum).toMatch(/^[0-9a-f]{64}$/);
    await reopened.write(draft(2), bytesOf(2), 1);
    const next = await reopened.readLatest();
    expect(next?.migratedFrom).toBeNull();
    expect(next?.manifest.chunks).toHaveLength(1);
    expect(next?.bytes).toEqual(bytesOf(2));
    reopened.close();
  });

  it('does not silently drop a generation whose manifest was lost, and clears it on the next save', async () => {
    const [store, name] = await freshStore();
    await store.write(draft(1), bytesOf(1), null);
    await store.write(draft(2), bytesOf(2), 1);
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open(storeDatabaseName(name));
      req.onsuccess = () => resolve(req.result);
    });
    const tx = db.transaction('manifests', 'readwrite');
    tx.objectStore('manifests').delete(2);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    const latest = await store.readLatest();
    expect(latest?.manifest.generation).toBe(1);
    expect(latest?.recoveredFrom).toEqual({ generation: 2, reason: 'its manifest is missing' });
    await store.write(draft(3), bytesOf(3), 1);
    expect((await store.readLatest())?.recoveredFrom).toBeNull();
    expect(await store.generations()).toEqual([3, 1]);
    store.close();
  });

  it('after a fallback, the next save keeps the intact generation and drops the damaged one', async () => {
    const [store, name] = await freshStore();
    await store.write(draft(1), bytesOf(1), null);
    await store.write(draft(2), bytesOf(2), 1);
    await tamper<Uint8Array>(name, 2, (b) => b.slice(1));
    const opened = await store.readLatest();
    expect(opened?.manifest.generation).toBe(1);
    // What the index does: the generation it opened is the one to keep.
    await store.write(draft(3), bytesOf(3), opened?.manifest.generation ?? null);
    expect(await store.generations()).toEqual([3, 1]);
    // Newest damaged again: the intact one is still there to fall back to.
    await tamper<Uint8Array>(name, 3, (b) => b.slice(1));
    const again = await store.readLatest();
    expect(again?.manifest.generation).toBe(1);
    expect(again?.bytes).toEqual(bytesOf(1));
    store.close();
  });

  it('refuses a database of its name that lacks its object stores, with INDEX_CORRUPTED', async () => {
    const name = `bare-${Math.random().toString(36).slice(2)}`;
    names.push(name);
    await new Promise<void>((resolve) => {
      const req = indexedDB.open(storeDatabaseName(name), 1);
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
    });
    const error = await IndexStore.open(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VicinityError);
    expect((error as VicinityError).code).toBe('INDEX_CORRUPTED');
  });
});
