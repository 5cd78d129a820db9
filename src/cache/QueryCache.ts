import { LRUCache } from 'lru-cache';
import type { Hit } from '../core/types.js';
import { sameQuery } from './cacheKey.js';
import type { QueryCacheStats } from '../core/types.js';

/** A cached answer: the query it answers (checked on every hit) and its hits. */
export interface CacheEntry {
  readonly query: Float32Array | string;
  readonly hits: readonly Hit[];
}

export interface QueryCacheOptions {
  /** Capacity in bytes (estimated size of queries and hits). */
  readonly maxBytes: number;
  /** Time to live of an entry, ms. */
  readonly ttlMs: number;
  /** Clock for tests; performance.now() by default. */
  readonly now?: () => number;
  /** Told when an entry leaves the cache for any reason but replacement. */
  readonly onRemove?: (key: string) => void;
}

/**
 * An answer as the cache holds it: each hit's metadata as its JSON text (in
 * the metadata's place, so that fields keep their order), and the entry's
 * size. Metadata is JSON data (see assertMetadata), so a parse gives back an
 * equal, independent copy: faster than structuredClone, and the text is
 * made once, when the answer is cached, for the size as well.
 */
interface Held {
  readonly query: Float32Array | string;
  readonly hits: readonly HeldHit[];
  readonly bytes: number;
}

type HeldHit = Omit<Hit, 'metadata'> & { readonly metadata?: string };

/** One entry may take at most this share of the capacity. */
const MAX_ENTRY_SHARE = 0.1;

/**
 * Answers of past searches, bounded in bytes, least recently used first out,
 * each for a limited time. Entries are copied in and out, so a caller that
 * mutates a result cannot change what the cache returns next.
 */
export class QueryCache {
  #lru: LRUCache<string, Held>;
  #options: QueryCacheOptions;
  #counts = { hits: 0, misses: 0, evictions: 0, expirations: 0, rejected: 0 };

  constructor(options: QueryCacheOptions) {
    this.#options = options;
    this.#lru = this.#create(options.maxBytes);
  }

  #create(maxBytes: number): LRUCache<string, Held> {
    return new LRUCache<string, Held>({
      maxSize: maxBytes,
      maxEntrySize: Math.max(1, Math.floor(maxBytes * MAX_ENTRY_SHARE)),
      sizeCalculation: (held) => held.bytes,
      ttl: this.#options.ttlMs,
      // Read the clock on every check, not a copy refreshed by a timer.
      ttlResolution: 0,
      ...(this.#options.now ? { perf: { now: this.#options.now } } : {}),
      dispose: (_value, key, reason) => {
        if (reason === 'evict') this.#counts.evictions++;
        if (reason === 'expire') this.#counts.expirations++;
        if (reason !== 'set') this.#options.onRemove?.(key);
      },
    });
  }

  /** A copy of the hits cached under `key` for exactly this query, or undefined. */
  get(key: string, query: Float32Array | string): Hit[] | undefined {
    const entry = this.#lru.get(key);
    if (entry && sameQuery(entry.query, query)) {
      this.#counts.hits++;
      return entry.hits.map(hitOf);
    }
    this.#counts.misses++;
    return undefined;
  }

  /** Whether `key` holds a live entry, without counting a lookup or touching its recency. */
  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /**
   * Caches a copy of `hits`. Returns false when the entry would take more
   * than a tenth of the capacity (it is not cached).
   */
  set(key: string, query: Float32Array | string, hits: readonly Hit[], ttlMs?: number): boolean {
    const held = hold(query, hits);
    if (held.bytes > this.#lru.maxEntrySize) {
      this.#counts.rejected++;
      return false;
    }
    this.#lru.set(key, held, ttlMs === undefined ? {} : { ttl: ttlMs });
    return true;
  }

  /**
   * The entry under `key` (for persistence) and its remaining time to live:
   * `read` makes a copy of it when called, so that whoever stores it pays
   * for the copy when it writes, not when the answer is cached.
   */
  peek(key: string): { read: () => CacheEntry; ttlMs: number } | undefined {
    const held = this.#lru.peek(key);
    if (!held) return undefined;
    return {
      read: () => ({ query: held.query, hits: held.hits.map(hitOf) }),
      ttlMs: this.#lru.getRemainingTTL(key),
    };
  }

  /** Drops every entry whose key `keep` refuses. */
  retain(keep: (key: string) => boolean): void {
    for (const key of [...this.#lru.keys()]) if (!keep(key)) this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  /**
   * Changes the capacity, keeping the most recently used entries that fit;
   * the rest count as evictions.
   */
  resize(maxBytes: number): void {
    const old = this.#lru;
    this.#lru = this.#create(maxBytes);
    // Least recent first, so that the most recent end up most recent again.
    for (const key of [...old.rkeys()]) {
      const entry = old.peek(key, { allowStale: true });
      const ttl = old.getRemainingTTL(key);
      if (!entry || ttl <= 0) {
        this.#counts.expirations++;
        this.#options.onRemove?.(key);
        continue;
      }
      if (entry.bytes > this.#lru.maxEntrySize) {
        this.#counts.evictions++;
        this.#options.onRemove?.(key);
        continue;
      }
      this.#lru.set(key, entry, { ttl });
    }
  }

  stats(): QueryCacheStats {
    const { hits, misses } = this.#counts;
    return {
      ...this.#counts,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      bytes: this.#lru.calculatedSize,
      entries: this.#lru.size,
      maxBytes: this.#lru.maxSize,
    };
  }
}

/** The cache's own copy of an answer, and its size (see entryBytes): nothing the caller changes later reaches it. */
function hold(query: Float32Array | string, hits: readonly Hit[]): Held {
  let bytes = 64 + (typeof query === 'string' ? 2 * query.length : query.byteLength);
  const held = hits.map((hit): HeldHit => {
    bytes += 56 + 2 * hit.id.length;
    if (hit.metadata === undefined) return { ...hit } as HeldHit;
    const json = JSON.stringify(hit.metadata);
    bytes += 2 * json.length;
    return { ...hit, metadata: json };
  });
  return { query: typeof query === 'string' ? query : query.slice(), hits: held, bytes };
}

/** A fresh copy of a held hit. */
function hitOf(held: HeldHit): Hit {
  return held.metadata === undefined
    ? ({ ...held } as Hit)
    : { ...held, metadata: JSON.parse(held.metadata) as Hit['metadata'] };
}

/**
 * Estimated bytes an entry holds: the query, and per hit its id (UTF-16),
 * two numbers, the object itself and its metadata as JSON text.
 */
export function entryBytes(entry: CacheEntry): number {
  return hold(entry.query, entry.hits).bytes;
}
