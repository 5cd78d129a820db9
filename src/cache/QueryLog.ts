import { get, set, type UseStore } from 'idb-keyval';
import type { Filter } from '../core/types.js';
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

/** A logged query as the log holds it: its count and time move in place. */
type Counted = { -readonly [K in keyof LoggedQuery]: LoggedQuery[K] };

/**
 * How often each query was searched, bounded: when full, the query searched
 * least often (the oldest of those) makes room. Persisted in idle time.
 *
 * Recording is O(1): besides the queries, the log keeps them in buckets by
 * count. A query moves to the next bucket each time it is searched, so within
 * a bucket the first is the one searched longest ago, and the one to evict
 * is the first of the lowest bucket.
 */
export class QueryLog {
  readonly #max: number;
  readonly #store: UseStore | undefined;
  #queries = new Map<string, Counted>();
  /** Keys by count; a Set keeps the order in which its keys arrived. */
  #buckets = new Map<number, Set<string>>();
  #lowest = 0;
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
    if (seen) {
      this.#unfile(entryKey, seen.count);
      seen.count++;
      seen.lastSeen = this.#now();
      this.#file(entryKey, seen);
    } else {
      if (this.#queries.size >= this.#max) this.#evictOne();
      this.#add(entryKey, {
        query: typeof query === 'string' ? query : query.slice(),
        k,
        ...(filter === undefined ? {} : { filter: structuredClone(filter) }),
        count: 1,
        lastSeen: this.#now(),
      });
    }
    this.#dirty = true;
  }

  #add(key: string, query: LoggedQuery): void {
    const counted: Counted = { ...query };
    this.#queries.set(key, counted);
    this.#file(key, counted);
  }

  /** Puts a query in the bucket of its count, last. */
  #file(key: string, query: Counted): void {
    let bucket = this.#buckets.get(query.count);
    if (!bucket) this.#buckets.set(query.count, (bucket = new Set()));
    bucket.add(key);
    if (this.#queries.size === 1 || query.count < this.#lowest) this.#lowest = query.count;
  }

  #unfile(key: string, count: number): void {
    const bucket = this.#buckets.get(count);
    bucket?.delete(key);
    if (bucket?.size !== 0) return;
    this.#buckets.delete(count);
    // The lowest bucket emptied by a query moving up: the next one is count + 1.
    if (count === this.#lowest) this.#lowest = count + 1;
  }

  #evictOne(): void {
    const bucket = this.#buckets.get(this.#lowest);
    const victim = bucket?.values().next().value;
    if (victim === undefined) return;
    this.#unfile(victim, this.#lowest);
    this.#queries.delete(victim);
    // #lowest may now be off, but a new query comes in at once, at count 1,
    // and sets it: eviction happens only to make room for one.
  }

  /**
   * The `limit` most searched queries seen at least `minCount` times (and
   * that `accept` takes), most searched first.
   */
  top(minCount: number, limit: number, accept?: (query: LoggedQuery) => boolean): LoggedQuery[] {
    return [...this.#queries.values()]
      .filter((q) => q.count >= minCount && (accept === undefined || accept(q)))
      .sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen)
      .slice(0, limit)
      .map((q) => ({ ...q }));
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
    const valid = (stored as unknown[]).filter(
      (item): item is [string, LoggedQuery] =>
        Array.isArray(item) && typeof item[0] === 'string' && isLogged(item[1]),
    );
    // The most recent that there is room for, filed oldest first, so that
    // each bucket keeps the order of last searches.
    const room = valid
      .filter(([key]) => !this.#queries.has(key))
      .sort((a, b) => b[1].lastSeen - a[1].lastSeen)
      .slice(0, Math.max(0, this.#max - this.#queries.size))
      .reverse();
    for (const [key, query] of room) this.#add(key, query);
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
