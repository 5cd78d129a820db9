/** Rewrites a stored snapshot behind the library's back, as disk faults would. */
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
    const tx = db.transaction('snapshots', 'readwrite');
    const store = tx.objectStore('snapshots');
    const keys = await new Promise<number[]>((resolve) => {
      const req = store.getAllKeys();
      req.onsuccess = () => resolve((req.result as number[]).sort((a, b) => b - a));
    });
    const targets = which === 'newest' ? keys.slice(0, 1) : keys;
    for (const key of targets) {
      const bytes = await new Promise<Uint8Array>((resolve) => {
        const req = store.get(key);
        req.onsuccess = () => resolve(req.result as Uint8Array);
      });
      store.put(change(bytes.slice()), key);
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    return targets;
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
    const req = indexedDB.open(`vicinity:${indexName}`, 1);
    // Creating the stores here stands in for an older version of the library.
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
