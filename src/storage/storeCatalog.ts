import type { StorageState } from '../core/types.js';
import { deleteDatabase, idbError, request } from '../util/idb.js';

/**
 * Storage as the page sees it, and the one storage module the page imports
 * (a lint rule holds it): the stored indexes' names, deleting one, whether
 * one holds a generation, and what the browser says of the origin's quota
 * and persistence. Small on purpose: the page bundle carries this, not the
 * worker's IndexStore.
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

export async function storageState(): Promise<StorageState> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const [estimate, persisted] = await Promise.all([
    storage?.estimate?.().catch(() => undefined),
    storage?.persisted?.().catch(() => null),
  ]);
  return {
    usage: estimate?.usage ?? null,
    quota: estimate?.quota ?? null,
    persisted: persisted ?? null,
  };
}

/**
 * Asks the browser to keep this origin's data under storage pressure. Browsers
 * decide by their own rules (Chromium grants it to installed or engaged
 * sites) and may say no; the answer shows in `stats().storage.persisted`.
 */
export async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
