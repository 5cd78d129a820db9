import { VicinityError } from '../core/VicinityError.js';

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

/**
 * How long an open or delete waits for another tab to close its connection
 * (the `blocked` event) before it fails with STORAGE_BLOCKED.
 */
export const BLOCKED_WAIT_MS = 3_000;

/**
 * Rejects with STORAGE_BLOCKED when `req` stays blocked for BLOCKED_WAIT_MS.
 * IndexedDB cannot cancel the request: it completes once the other
 * connection closes, and `late` gets its result then.
 */
function failWhenBlocked(
  req: IDBOpenDBRequest,
  what: string,
  reject: (error: VicinityError) => void,
  late: () => void,
): { settled: () => boolean } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gaveUp = false;
  req.onblocked = () => {
    timer ??= setTimeout(() => {
      gaveUp = true;
      reject(
        new VicinityError(
          'STORAGE_BLOCKED',
          `${what} waited ${BLOCKED_WAIT_MS} ms for another tab to close the database; ` +
            'it goes ahead once that tab closes it or reloads',
        ),
      );
    }, BLOCKED_WAIT_MS);
  };
  return {
    settled: () => {
      clearTimeout(timer);
      if (gaveUp) late();
      return gaveUp;
    },
  };
}

/**
 * Opens a database. The connection closes itself when another context asks
 * to upgrade or delete the database (nobody waits on us), and tells
 * `onVersionChange` the version asked for (null: deleted).
 */
export function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, tx: IDBTransaction, oldVersion: number) => void,
  onVersionChange?: (newVersion: number | null) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    const blocked = failWhenBlocked(req, `opening database ${name}`, reject, () =>
      req.result.close(),
    );
    req.onupgradeneeded = (event) => {
      if (req.transaction) upgrade(req.result, req.transaction, event.oldVersion);
    };
    req.onsuccess = () => {
      if (blocked.settled()) return;
      const db = req.result;
      db.onversionchange = (event) => {
        db.close();
        onVersionChange?.(event.newVersion);
      };
      resolve(db);
    };
    req.onerror = () => {
      if (blocked.settled()) return;
      reject(
        req.error?.name === 'VersionError'
          ? new VicinityError(
              'UNSUPPORTED_FORMAT',
              `database ${name} was upgraded by a newer version of vicinity`,
              { cause: req.error },
            )
          : idbError(req.error, `cannot open database ${name}`),
      );
    };
  });
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    const blocked = failWhenBlocked(req, `deleting database ${name}`, reject, () => undefined);
    req.onsuccess = () => {
      if (!blocked.settled()) resolve();
    };
    req.onerror = () => {
      if (!blocked.settled()) reject(idbError(req.error, `cannot delete database ${name}`));
    };
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
