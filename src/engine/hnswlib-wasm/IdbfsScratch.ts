import { VicinityError } from '../../core/VicinityError.js';
import { committed, openDatabase, request } from '../../util/idb.js';
import { sleep } from '../../util/sleep.js';
import { withTimeout } from '../../util/withTimeout.js';

/*
 * hnswlib-wasm keeps its files in Emscripten's IDBFS: an IndexedDB database
 * named after the mount point, one record per file. Its FS object is not
 * exported, so this record is the only door for index bytes in and out.
 * A record is a FileRecord (below) keyed by the file's path (scratchPath);
 * how vicinity uses it is in README.md ("How it works"). The rules that matter:
 * - `timestamp` must be a Date, or the next populate sync hangs silently;
 * - `contents.buffer` may be larger than the file: copy `byteLength` bytes;
 * - the database and its store must be created exactly as IDBFS does.
 */
export const IDBFS_MOUNT = '/hnswlib-index';
const IDBFS_DB_VERSION = 21;
const IDBFS_STORE = 'FILE_DATA';
const FILE_MODE = 0o100666;

interface FileRecord {
  timestamp: Date;
  mode: number;
  contents: Uint8Array;
}

function openScratch(): Promise<IDBDatabase> {
  return openDatabase(IDBFS_MOUNT, IDBFS_DB_VERSION, (db, tx) => {
    const store = db.objectStoreNames.contains(IDBFS_STORE)
      ? tx.objectStore(IDBFS_STORE)
      : db.createObjectStore(IDBFS_STORE);
    if (!store.indexNames.contains('timestamp')) {
      store.createIndex('timestamp', 'timestamp', { unique: false });
    }
  });
}

export function scratchPath(file: string): string {
  return `${IDBFS_MOUNT}/${file}`;
}

/**
 * Scratch files of one index start with this, a random part follows. `#`
 * ends the name: encodeURIComponent never emits it, so no index's prefix is
 * the start of another's.
 */
export function scratchPrefix(indexName: string): string {
  return `vicinity-${encodeURIComponent(indexName)}#`;
}

/** A scratch file of its own for one engine: files of other tabs in the shared IDBFS database are not ours. */
export function newScratchFile(indexName: string): string {
  return `${scratchPrefix(indexName)}${crypto.randomUUID()}.bin`;
}

/** Puts index bytes where IDBFS will find them when hnswlib-wasm mounts. */
export async function writeScratchFile(file: string, bytes: Uint8Array): Promise<void> {
  const db = await openScratch();
  try {
    const tx = db.transaction(IDBFS_STORE, 'readwrite');
    const record: FileRecord = { timestamp: new Date(), mode: FILE_MODE, contents: bytes };
    tx.objectStore(IDBFS_STORE).put(record, scratchPath(file));
    await committed(tx);
  } finally {
    db.close();
  }
}

async function readScratchRecord(file: string): Promise<FileRecord | undefined> {
  const db = await openScratch();
  try {
    const tx = db.transaction(IDBFS_STORE, 'readonly');
    return (await request(tx.objectStore(IDBFS_STORE).get(scratchPath(file)))) as
      FileRecord | undefined;
  } finally {
    db.close();
  }
}

/**
 * Waits until IDBFS has written `file` newer than `since`, then returns a copy
 * of its bytes. The record becomes visible only when the sync's transaction
 * has committed, so a visible record is complete.
 */
export async function awaitScratchFile(
  file: string,
  since: number,
  timeoutMs: number,
): Promise<Uint8Array> {
  const poll = async (): Promise<Uint8Array> => {
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const record = await readScratchRecord(file);
      if (record && record.timestamp.getTime() >= since) {
        const { contents } = record;
        return new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength).slice();
      }
      await sleep(delay);
    }
  };
  return withTimeout(poll(), timeoutMs, `writing ${file} through IDBFS`);
}

export async function deleteScratchFile(file: string): Promise<void> {
  const db = await openScratch();
  try {
    const tx = db.transaction(IDBFS_STORE, 'readwrite');
    tx.objectStore(IDBFS_STORE).delete(scratchPath(file));
    await committed(tx);
  } catch (error) {
    throw new VicinityError('STORAGE_ERROR', 'cannot clear IDBFS scratch', { cause: error });
  } finally {
    db.close();
  }
}

/**
 * Deletes scratch files that a closed tab or a killed worker left behind.
 * hnswlib-wasm copies every file of the IDBFS database into memory when it
 * mounts, so leftovers would cost each later open. A live file exists only
 * for the seconds of one save or open; an hour-old one is abandoned.
 */
export async function sweepScratch(maxAgeMs = 3_600_000, file = 'vicinity-'): Promise<number> {
  const db = await openScratch();
  try {
    const tx = db.transaction(IDBFS_STORE, 'readwrite');
    const store = tx.objectStore(IDBFS_STORE);
    const prefix = scratchPath(file);
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const cutoff = Date.now() - maxAgeMs;
    let swept = 0;
    await new Promise<void>((resolve, reject) => {
      const cursor = store.openCursor(range);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return resolve();
        const record = c.value as Partial<FileRecord>;
        if (!(record.timestamp instanceof Date) || record.timestamp.getTime() < cutoff) {
          c.delete();
          swept++;
        }
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error ?? new Error('cursor failed'));
    });
    await committed(tx);
    return swept;
  } finally {
    db.close();
  }
}
