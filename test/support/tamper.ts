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
