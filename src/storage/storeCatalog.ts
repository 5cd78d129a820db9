import { deleteDatabase, idbError, request } from './idb.js';

/**
 * What the page needs of the stored indexes: their names, deleting one, and
 * whether one holds a generation. Small on purpose: the page bundle carries
 * this, not the worker's IndexStore.
 */

/** IndexedDB database that holds one index's generations. */
export function storeDatabaseName(name: string): string {
  return `vicinity:${name}`;
}

/** Names of the indexes stored in this origin, sorted. */
export async function listStoredIndexes(): Promise<string[]> {
  const prefix = storeDatabaseName('');
  const databases = await indexedDB.databases();
  return databases
    .map((db) => db.name ?? '')
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length))
    .sort();
}

export function deleteStoredIndex(name: string): Promise<void> {
  return deleteDatabase(storeDatabaseName(name));
}

/**
 * The generations saved under `name`, newest first; none when there is no
 * such index (nothing is created to find out).
 */
export async function storedGenerations(name: string): Promise<number[]> {
  if (!(await listStoredIndexes()).includes(name)) return [];
  const database = await new Promise<IDBDatabase | null>((resolve, reject) => {
    const open = indexedDB.open(storeDatabaseName(name));
    // Another tab may have deleted it since: opening must not make an empty one.
    open.onupgradeneeded = () => open.transaction?.abort();
    open.onsuccess = () => resolve(open.result);
    open.onerror = () =>
      open.error?.name === 'AbortError'
        ? resolve(null)
        : reject(idbError(open.error, `cannot open the store of "${name}"`));
  });
  if (!database) return [];
  try {
    if (!database.objectStoreNames.contains('manifests')) return [];
    const tx = database.transaction('manifests', 'readonly');
    const keys = (await request(tx.objectStore('manifests').getAllKeys())) as number[];
    return keys.sort((a, b) => b - a);
  } finally {
    database.close();
  }
}
