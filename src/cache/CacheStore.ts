import { clear, delMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { nextTask } from '../util/nextTask.js';
import { deleteDatabase } from '../util/idb.js';
import { keyvalStore } from './keyvalStore.js';
import type { CacheEntry } from './QueryCache.js';
import { readStoredEntry, storedEntry, type StoredEntry } from './storedEntry.js';

const STORE = 'entries';
/** Records read and checked per task on open, so that a full cache never makes a long task. */
const READ_PAGE = 64;
/** Answers one write stores at most (IndexCache writes every few seconds of activity). */
export const MAX_PENDING_PUTS = 256;

/** IndexedDB database that holds one index's cached answers. */
export function cacheDatabaseName(name: string): string {
  return `vicinity-cache:${name}`;
}

/** An answer queued for the store; it is copied and its checksum computed when it is written. */
interface Pending {
  readonly read: () => CacheEntry;
  readonly expiresAt: number;
}

export interface LoadedEntries {
  readonly entries: { key: string; entry: CacheEntry; ttlMs: number }[];
  /** Entries of other index contents, expired, or of an older format: deleted from the store. */
  readonly dropped: number;
  /**
   * Records that failed their checks (not an entry, checksum mismatch, an
   * answer the index could not have given): deleted, or the store cleared
   * when unreadable.
   */
  readonly corrupt: number;
  /** The store could not be read and was cleared. */
  readonly cleared: boolean;
}

/**
 * The persisted side of the query cache: writes are queued, and written in
 * one batch when the owner flushes (IndexCache does every few seconds of
 * activity, in idle time, and on close and pagehide), never on the path of a
 * search.
 */
export class CacheStore {
  readonly #dbName: string;
  #store: UseStore;
  #puts = new Map<string, Pending>();
  #deletes = new Set<string>();
  #flushing: Promise<void> = Promise.resolve();
  /** Told when a write failed: the cache goes on in memory. */
  onError: (error: unknown) => void = () => undefined;

  constructor(name: string) {
    this.#dbName = cacheDatabaseName(name);
    this.#store = keyvalStore(this.#dbName, STORE);
  }

  static delete(name: string): Promise<void> {
    return deleteDatabase(cacheDatabaseName(name));
  }

  /**
   * Queues an answer. At most MAX_PENDING_PUTS wait for a write, the newest:
   * an older one that did not make it stays cached in memory only, so that
   * what a write costs stays bounded however fast answers come.
   */
  put(key: string, read: () => CacheEntry, ttlMs: number): void {
    this.#deletes.delete(key);
    this.#puts.delete(key);
    this.#puts.set(key, { read, expiresAt: Date.now() + ttlMs });
    if (this.#puts.size > MAX_PENDING_PUTS) {
      const oldest = this.#puts.keys().next().value;
      if (oldest !== undefined) this.#puts.delete(oldest);
    }
  }

  remove(key: string): void {
    this.#puts.delete(key);
    this.#deletes.add(key);
  }

  /** Whether writes are queued. */
  get pending(): boolean {
    return this.#puts.size > 0 || this.#deletes.size > 0;
  }

  /** Writes what is queued now; resolves when it is stored (or failed, reported to onError). */
  flush(): Promise<void> {
    if (!this.pending) return this.#flushing;
    // Checksums are computed here, in idle time or on close, not when a search is cached.
    const puts = [...this.#puts].map(([key, { read, expiresAt }]): [string, StoredEntry] => [
      key,
      storedEntry(key, read(), expiresAt),
    ]);
    const deletes = [...this.#deletes];
    this.#puts.clear();
    this.#deletes.clear();
    this.#flushing = this.#flushing.then(async () => {
      try {
        if (deletes.length > 0) await delMany(deletes, this.#store);
        if (puts.length > 0) await setMany(puts, this.#store);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.#flushing;
  }

  /**
   * Reads every stored entry and checks it (format, checksum, plausibility:
   * see readStoredEntry). Those `current` accepts and not expired are
   * returned; the others are deleted. A store that cannot be read is cleared
   * (or, failing that, deleted): a cache is never a reason to fail.
   */
  async load(
    current: (key: string, query: Float32Array | string) => boolean,
  ): Promise<LoadedEntries> {
    const now = Date.now();
    const loaded: LoadedEntries['entries'] = [];
    const stale: IDBValidKey[] = [];
    let corrupt = 0;
    let dropped = 0;
    let after: IDBValidKey | undefined;
    for (;;) {
      let records: [IDBValidKey, unknown][];
      try {
        records = await this.#page(after);
      } catch {
        await this.#reset();
        return { entries: [], dropped: 0, corrupt: 1, cleared: true };
      }
      if (records.length === 0) break;
      after = (records[records.length - 1] as [IDBValidKey, unknown])[0];
      const counts = checkRecords(records, now, current, loaded, stale);
      corrupt += counts.corrupt;
      dropped += counts.dropped;
      if (records.length < READ_PAGE) break;
      await nextTask();
    }
    if (stale.length > 0) await delMany(stale, this.#store).catch((error) => this.onError(error));
    return { entries: loaded, dropped, corrupt, cleared: false };
  }

  /** Up to READ_PAGE records after `after`, in key order, in one transaction. */
  #page(after: IDBValidKey | undefined): Promise<[IDBValidKey, unknown][]> {
    const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
    return this.#store('readonly', async (store) => {
      const [keys, values] = await Promise.all([
        promisifyRequest(store.getAllKeys(range, READ_PAGE)),
        promisifyRequest(store.getAll(range, READ_PAGE)),
      ]);
      return keys.map((key, i): [IDBValidKey, unknown] => [key, values[i]]);
    });
  }

  async #reset(): Promise<void> {
    try {
      await clear(this.#store);
    } catch {
      // No usable object store at all: start the database afresh.
      await deleteDatabase(this.#dbName).catch((error) => this.onError(error));
      this.#store = keyvalStore(this.#dbName, STORE);
    }
  }
}

/**
 * Checks one page of records (see readStoredEntry): those `current` accepts
 * and not expired go to `loaded`, the others to `stale`.
 */
function checkRecords(
  records: [IDBValidKey, unknown][],
  now: number,
  current: (key: string, query: Float32Array | string) => boolean,
  loaded: LoadedEntries['entries'],
  stale: IDBValidKey[],
): { corrupt: number; dropped: number } {
  let corrupt = 0;
  let dropped = 0;
  for (const [key, value] of records) {
    const record = readStoredEntry(key, value, now);
    if (record.kind === 'corrupt') {
      corrupt++;
      stale.push(key);
    } else if (record.kind === 'stale' || !current(key as string, record.entry.query)) {
      dropped++;
      stale.push(key);
    } else {
      loaded.push({ key: key as string, entry: record.entry, ttlMs: record.ttlMs });
    }
  }
  return { corrupt, dropped };
}
