import { VicinityError } from '../errors/VicinityError.js';

/** Resolves with a request's result; maps IndexedDB failures to VicinityError. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(idbError(req.error, 'IndexedDB request failed'));
  });
}

/** Resolves when a transaction commits, rejects when it aborts or fails. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(idbError(tx.error, 'IndexedDB transaction aborted'));
    tx.onerror = () => reject(idbError(tx.error, 'IndexedDB transaction failed'));
  });
}

export function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, tx: IDBTransaction) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => {
      if (req.transaction) upgrade(req.result, req.transaction);
    };
    req.onsuccess = () => {
      const db = req.result;
      // Another context asking to upgrade or delete must not wait on us forever.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(idbError(req.error, `cannot open database ${name}`));
    req.onblocked = () =>
      reject(
        new VicinityError('STORAGE_ERROR', `opening database ${name} is blocked by another tab`),
      );
  });
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(idbError(req.error, `cannot delete database ${name}`));
  });
}

export function idbError(error: DOMException | null, context: string): VicinityError {
  const quota = error?.name === 'QuotaExceededError';
  return new VicinityError(
    quota ? 'QUOTA_EXCEEDED' : 'STORAGE_ERROR',
    `${context}${error ? `: ${error.name}: ${error.message}` : ''}`,
    { cause: error },
  );
}
