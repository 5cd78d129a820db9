import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { VicinityError } from '../../src/core/VicinityError.js';
import { IndexStore, storeDatabaseName } from '../../src/storage/IndexStore.js';
import type { ManifestDraft } from '../../src/storage/snapshotTypes.js';
import { bufferSource, type SnapshotSource } from '../../src/storage/SnapshotSource.js';
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
    quantization: 'none',
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
/** Small chunks, so that a test snapshot spans several. */
const CHUNK_BYTES = 8 << 10;

async function freshStore(): Promise<[IndexStore, string]> {
  const name = `store-${Math.random()}`;
  names.push(name);
  return [await IndexStore.open(name, CHUNK_BYTES), name];
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
    const checksum = await sha256Hex(bytesOf(1));
    const tx = db.transaction(['manifests', 'snapshots'], 'readwrite');
    // Format 1 had no quantization field.
    const formatOne: Record<string, unknown> = { ...draft(1), format: 1, byteLength: 16, checksum };
    delete formatOne.quantization;
    tx.objectStore('manifests').put(formatOne, 1);
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

  describe('chunks', { timeout: 20_000 }, () => {
    /** Bytes of 2.5 chunks whose every chunk differs; `chunk` and `value` change one chunk. */
    function big(chunk = -1, value = 0): Uint8Array {
      const bytes = new Uint8Array(2.5 * CHUNK_BYTES);
      for (let i = 0; i < bytes.length; i += 64) bytes[i] = (i / CHUNK_BYTES) | 0;
      if (chunk >= 0) bytes[chunk * CHUNK_BYTES + 7] = value;
      return bytes;
    }
    const bigDraft = (g: number) => ({ ...draft(g), engineByteLength: 2 * CHUNK_BYTES });
    const parts = (bytes: Uint8Array) => [
      bufferSource(bytes.subarray(0, 2 * CHUNK_BYTES)),
      bufferSource(bytes.subarray(2 * CHUNK_BYTES)),
    ];

    async function storedChunkKeys(name: string): Promise<string[]> {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open(storeDatabaseName(name));
        req.onsuccess = () => resolve(req.result);
      });
      const keys = await new Promise<string[]>((resolve) => {
        const req = db.transaction('chunks').objectStore('chunks').getAllKeys();
        req.onsuccess = () => resolve(req.result as string[]);
      });
      db.close();
      return keys.sort();
    }
    const listed = (...manifests: (Manifest | undefined)[]) =>
      [...new Set(manifests.flatMap((m) => m?.chunks?.map((c) => c.key) ?? []))].sort();

    it('writes a snapshot as chunks, each part cut from its own start, and reads it back', async () => {
      const [store] = await freshStore();
      const { manifest, writtenBytes, writtenChunks } = await store.writeSnapshot(
        bigDraft(1),
        parts(big()),
        null,
      );
      expect(manifest.chunks?.map((c) => c.byteLength)).toEqual([
        CHUNK_BYTES,
        CHUNK_BYTES,
        CHUNK_BYTES / 2,
      ]);
      expect([writtenBytes, writtenChunks]).toEqual([2.5 * CHUNK_BYTES, 3]);
      expect((await store.readLatest())?.bytes).toEqual(big());
      store.close();
    });

    it('writes only the chunks that changed and drops those no kept generation lists', async () => {
      const [store, name] = await freshStore();
      const first = await store.writeSnapshot(bigDraft(1), parts(big()), null);
      const second = await store.writeSnapshot(bigDraft(2), parts(big(1, 99)), 1);
      expect([second.writtenBytes, second.writtenChunks]).toEqual([CHUNK_BYTES, 1]);
      expect(second.manifest.chunks?.[0]).toEqual(first.manifest.chunks?.[0]);
      expect((await store.readLatest())?.bytes).toEqual(big(1, 99));
      // Both generations' chunks, and nothing else.
      expect(await storedChunkKeys(name)).toEqual(listed(first.manifest, second.manifest));
      const third = await store.writeSnapshot(bigDraft(3), parts(big(0, 5)), 2);
      // Against generation 2 (the kept one): chunk 0 changed, and chunk 1 is back to generation 1's.
      expect(third.writtenChunks).toBe(2);
      expect(await storedChunkKeys(name)).toEqual(listed(second.manifest, third.manifest));
      expect(await store.generations()).toEqual([3, 2]);
      store.close();
    });

    it('falls back to the older generation when one chunk of the newest is damaged', async () => {
      const [store, name] = await freshStore();
      await store.writeSnapshot(bigDraft(1), parts(big()), null);
      const second = await store.writeSnapshot(bigDraft(2), parts(big(1, 99)), 1);
      const key = second.manifest.chunks![1]!.key;
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open(storeDatabaseName(name));
        req.onsuccess = () => resolve(req.result);
      });
      const tx = db.transaction('chunks', 'readwrite');
      tx.objectStore('chunks').put(big(1, 98).slice(CHUNK_BYTES, 2 * CHUNK_BYTES), key);
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
      const latest = await store.readLatest();
      expect(latest?.manifest.generation).toBe(1);
      expect(latest?.bytes).toEqual(big());
      expect(latest?.recoveredFrom).toEqual({
        generation: 2,
        reason: 'chunk 2 of 3 of generation 2 fails its checksum',
      });
      store.close();
    });

    it('a save interrupted between chunk writes leaves the last generation, and the next save collects its chunks', async () => {
      const [store, name] = await freshStore();
      const first = await store.writeSnapshot(bigDraft(1), parts(big()), null);
      // A source that fails after its first chunk: the save stops between chunk writes.
      const [engine, sidecar] = parts(big(0, 1)) as [SnapshotSource, SnapshotSource];
      let reads = 0;
      const failing: SnapshotSource = {
        byteLength: engine.byteLength,
        read: (max) => {
          if (reads++ === 1) throw new Error('worker killed');
          return engine.read(max);
        },
        close: () => engine.close(),
      };
      await expect(store.writeSnapshot(bigDraft(2), [failing, sidecar], 1)).rejects.toThrow(
        'worker killed',
      );
      const latest = await store.readLatest();
      expect(latest?.manifest.generation).toBe(1);
      expect(latest?.bytes).toEqual(big());
      expect(latest?.recoveredFrom).toBeNull();
      // The stray chunk of the interrupted save is there until the next save.
      expect((await storedChunkKeys(name)).length).toBe(4);
      const next = await store.writeSnapshot(bigDraft(2), parts(big(2, 3)), 1);
      expect(await storedChunkKeys(name)).toEqual(listed(first.manifest, next.manifest));
      store.close();
    });
  });
});
