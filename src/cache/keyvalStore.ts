import type { UseStore } from 'idb-keyval';
import { openDatabase } from '../util/idb.js';

/**
 * A store for idb-keyval's functions over a connection that closes when
 * another tab deletes or upgrades the database. idb-keyval's own
 * `createStore` keeps its connection open through `versionchange`, which
 * would block `VectorIndex.delete` in every other tab.
 */
export function keyvalStore(dbName: string, storeName: string): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  return (mode, callback) => {
    db ??= openDatabase(
      dbName,
      1,
      (database) => {
        if (!database.objectStoreNames.contains(storeName)) database.createObjectStore(storeName);
      },
      () => (db = undefined),
    ).catch((error: unknown) => {
      db = undefined;
      throw error;
    });
    return db.then((database) =>
      callback(database.transaction(storeName, mode).objectStore(storeName)),
    );
  };
}
