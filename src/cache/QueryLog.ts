import { get, set, type UseStore } from 'idb-keyval';
import type { Filter } from '../types.js';
import { canonicalJson, queryKey } from './cacheKey.js';

/** A query as the log keeps it: enough to run it again. */
export interface LoggedQuery {
  readonly query: Float32Array | string;
  readonly k: number;
  readonly filter?: Filter;
  /** Times it was searched. */
  readonly count: number;
  /** Date.now() of the last search. */
  readonly lastSeen: number;
}

const RECORD = 'queries';

/**
 * How often each query was searched, bounded: when full, the query searched
 * least often (the oldest of those) makes room. Persisted in idle time.
 */
export class QueryLog {
  readonly #max: number;
  readonly #store: UseStore | undefined;
  #queries = new Map<string, LoggedQuery>();
  #dirty = false;
  #now: () => number;

  constructor(maxQueries: number, store?: UseStore, now: () => number = Date.now) {
    this.#max = maxQueries;
    this.#store = store;
    this.#now = now;
  }

  get size(): number {
    return this.#queries.size;
  }

  /** Counts one search of `query` with these options. */
  record(
    query: Float32Array | string,
    k: number,
    filter: Filter | undefined,
    key: string = queryKey(query),
  ): void {
    if (this.#max === 0) return;
    const entryKey = `${k}|${filter === undefined ? '' : canonicalJson(filter)}|${key}`;
    const seen = this.#queries.get(entryKey);
    if (!seen && this.#queries.size >= this.#max) this.#evictOne();
    this.#queries.set(
      entryKey,
      seen
        ? { ...seen, count: seen.count + 1, lastSeen: this.#now() }
        : {
            query: typeof query === 'string' ? query : query.slice(),
            k,
            ...(filter === undefined ? {} : { filter: structuredClone(filter) }),
            count: 1,
            lastSeen: this.#now(),
          },
    );
    this.#dirty = true;
  }

  #evictOne(): void {
    let victim: [string, LoggedQuery] | undefined;
    for (const entry of this.#queries) {
      const [, q] = entry;
      if (
        !victim ||
        q.count < victim[1].count ||
        (q.count === victim[1].count && q.lastSeen < victim[1].lastSeen)
      )
        victim = entry;
    }
    if (victim) this.#queries.delete(victim[0]);
  }

  /**
   * The `limit` most searched queries seen at least `minCount` times (and
   * that `accept` takes), most searched first.
   */
  top(minCount: number, limit: number, accept?: (query: LoggedQuery) => boolean): LoggedQuery[] {
    return [...this.#queries.values()]
      .filter((q) => q.count >= minCount && (accept === undefined || accept(q)))
      .sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen)
      .slice(0, limit);
  }

  /** Writes the log if it changed since the last write. */
  async persist(): Promise<void> {
    if (!this.#store || !this.#dirty) return;
    this.#dirty = false;
    await set(RECORD, [...this.#queries], this.#store);
  }

  /** Reads the stored log, merged under what was recorded since; a malformed one is ignored. */
  async load(): Promise<void> {
    if (!this.#store) return;
    const stored: unknown = await get(RECORD, this.#store);
    if (!Array.isArray(stored)) return;
    for (const item of stored as unknown[]) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !isLogged(item[1])) continue;
      if (this.#queries.has(item[0])) continue;
      if (this.#queries.size >= this.#max) break;
      this.#queries.set(item[0], item[1]);
    }
  }
}

function isLogged(value: unknown): value is LoggedQuery {
  const q = value as Partial<LoggedQuery> | null;
  return (
    typeof q === 'object' &&
    q !== null &&
    (typeof q.query === 'string' || q.query instanceof Float32Array) &&
    typeof q.k === 'number' &&
    typeof q.count === 'number' &&
    typeof q.lastSeen === 'number'
  );
}
