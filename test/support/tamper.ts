type StoredManifest = {
  generation: number;
  chunks?: { key: string; byteLength: number }[] | null;
};

function requested<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Rewrites a stored snapshot behind the library's back, as disk faults
 * would: `change` sees the generation's whole bytes, and what it returns is
 * put back over the same records (in format 4, the same chunks, cut at the
 * same lengths; a chunk left empty is gone). Chunks are shared by the
 * generations that list them, as on disk.
 */
export async function tamperSnapshot(
  indexName: string,
  change: (bytes: Uint8Array) => Uint8Array,
  which: 'newest' | 'all' = 'newest',
): Promise<number[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(`vicinity:${indexName}`);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    const stores = ['manifests', 'snapshots', 'chunks'].filter((n) =>
      db.objectStoreNames.contains(n),
    );
    const tx = db.transaction(stores, 'readwrite');
    const manifests = (
      await requested<StoredManifest[]>(tx.objectStore('manifests').getAll())
    ).sort((a, b) => b.generation - a.generation);
    const targets = which === 'newest' ? manifests.slice(0, 1) : manifests;
    for (const manifest of targets) {
      const refs = manifest.chunks;
      if (!Array.isArray(refs)) {
        const store = tx.objectStore('snapshots');
        const bytes = await requested<Uint8Array>(store.get(manifest.generation));
        store.put(change(bytes.slice()), manifest.generation);
        continue;
      }
      const store = tx.objectStore('chunks');
      const parts = await Promise.all(refs.map((r) => requested<Uint8Array>(store.get(r.key))));
      const whole = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      parts.reduce((at, p) => (whole.set(p, at), at + p.byteLength), 0);
      const changed = change(whole);
      let at = 0;
      refs.forEach((ref, i) => {
        const end = i === refs.length - 1 ? changed.length : at + ref.byteLength;
        const piece = changed.slice(at, end);
        at = end;
        if (piece.byteLength === 0) store.delete(ref.key);
        else store.put(piece, ref.key);
      });
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    return targets.map((m) => m.generation);
  } finally {
    db.close();
  }
}

export const flipByte = (at: number) => (bytes: Uint8Array) => {
  const i = Math.floor(at * (bytes.length - 1));
  bytes[i] = (bytes[i] as number) ^ 0xff;
  return bytes;
};

export const truncate = (fraction: number) => (bytes: Uint8Array) =>
  bytes.slice(0, Math.floor(bytes.length * fraction));

function openStoreDatabase(indexName: string): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(`vicinity:${indexName}`);
    // Creating the stores here stands in for an older version of the library (database version 1).
    req.onupgradeneeded = () => {
      for (const store of ['manifests', 'snapshots']) req.result.createObjectStore(store);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Writes a generation into an index's database as another version of the library would have. */
export async function plantGeneration(
  indexName: string,
  manifest: { generation: number },
  bytes: Uint8Array,
): Promise<void> {
  const db = await openStoreDatabase(indexName);
  try {
    const tx = db.transaction(['manifests', 'snapshots'], 'readwrite');
    tx.objectStore('manifests').put(manifest, manifest.generation);
    tx.objectStore('snapshots').put(bytes, manifest.generation);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The stored manifests of an index, newest first. */
export async function storedManifests(indexName: string): Promise<Record<string, unknown>[]> {
  const db = await openStoreDatabase(indexName);
  try {
    const req = db.transaction('manifests').objectStore('manifests').getAll();
    const all = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      req.onsuccess = () => resolve(req.result as Record<string, unknown>[]);
      req.onerror = () => reject(req.error);
    });
    return all.sort((a, b) => (b.generation as number) - (a.generation as number));
  } finally {
    db.close();
  }
}

/** The keys of an index's stored chunks, sorted. */
export async function storedChunkKeys(indexName: string): Promise<string[]> {
  const db = await openStoreDatabase(indexName);
  try {
    const req = db.transaction('chunks').objectStore('chunks').getAllKeys();
    return ((await requested<IDBValidKey[]>(req)) as string[]).sort();
  } finally {
    db.close();
  }
}

/** Flips one byte in the middle of the stored chunk `key`, as a disk fault would. */
export async function damageChunk(indexName: string, key: string): Promise<void> {
  const db = await openStoreDatabase(indexName);
  try {
    const tx = db.transaction('chunks', 'readwrite');
    const store = tx.objectStore('chunks');
    const bytes = (await requested<Uint8Array>(store.get(key))).slice();
    const at = bytes.length >> 1;
    bytes[at] = (bytes[at] as number) ^ 0x40;
    store.put(bytes, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}
