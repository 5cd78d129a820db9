import type { LogSink } from '../core/protocol.js';
import type { Filter, Hit } from '../core/types.js';
import { cacheKey, queryKey } from './cacheKey.js';
import { SAVED_VERSION } from './ContentVersion.js';
import { CacheStore, cacheDatabaseName } from './CacheStore.js';
import { embedderFingerprint } from './embedderFingerprint.js';
import { idlePeriod } from '../util/idlePeriod.js';
import { warmCache, type WarmOptions, type WarmResult } from './CacheWarmer.js';
import { keyvalStore } from './keyvalStore.js';
import { QueryCache, type CacheEntry } from './QueryCache.js';
import { QueryLog, type LoggedQuery } from './QueryLog.js';
import { deleteDatabase } from '../util/idb.js';
import { nextTask } from '../util/nextTask.js';
import type { CacheStats } from '../core/types.js';

export interface CacheOptions {
  /** Capacity in bytes (estimated). @default 8 MiB */
  readonly maxBytes?: number;
  /** Time to live of an answer, ms. @default 3,600,000 (1 hour) */
  readonly ttlMs?: number;
  /** Keep answers and the query log in IndexedDB across reloads. @default true */
  readonly persist?: boolean;
  /** Distinct queries the query log keeps. @default 500 */
  readonly logSize?: number;
}

export type ResolvedCacheOptions = Required<CacheOptions>;

/** The cache of one index as its users see it: `index.cache`. */
export interface IndexCacheApi {
  stats(): CacheStats;
  /** Changes the capacity; shrinking evicts the least recently used answers. */
  resize(maxBytes: number): void;
  /** Drops every cached answer (the query log stays). */
  clear(): void;
  /** The most searched queries of the log. */
  topQueries(minFrequency?: number, limit?: number): LoggedQuery[];
  /** Caches the answers of the most searched queries in idle time. */
  warm(options?: WarmOptions): Promise<WarmResult>;
}

/** What a search through the cache needs from the index. */
export interface CacheInputs {
  /**
   * What answers now (the index's IndexState): the content's version, null
   * while no answer may be cached, and the default efSearch.
   */
  readonly content: { readonly cacheVersion: string | null; readonly efSearch: number };
  /** Whether calls of the page are under way (its CallMeter): warming waits for a quiet moment. */
  readonly activity: { readonly busy: boolean };
  /** Runs a search past the cache (and caches it) without logging it: how the warmer fills it. */
  readonly search: (query: LoggedQuery) => Promise<unknown>;
  /** The index's `embed` option: text answers are tied to what it produces. */
  readonly embed?: ((texts: string[]) => unknown) | undefined;
}

/** Where the embedder's fingerprint stands: text answers are cached only once it is known. */
type Fingerprint =
  | { readonly state: 'unknown' }
  | { readonly state: 'probing'; readonly done: Promise<string | null> }
  | { readonly state: 'known'; readonly value: string | null };

/** Stored answers cached per task on open. */
const RESTORE_SLICE = 64;
/** Cached answers and the query log are written at most this often, in one go. */
const PERSIST_DELAY_MS = 3_000;
/** How long a write waits for an idle period before it goes anyway. */
const IDLE_TIMEOUT_MS = 2_000;
/** The embedder's probe waits for an idle period, at most this long, ms. */
const PROBE_IDLE_TIMEOUT_MS = 2_000;
/** The fingerprint of text keys when nothing is persisted: one embedder for the object's life. */
const IN_MEMORY_ONLY = 'page';

/**
 * Query cache, its persisted copy and the query log of one index. Lookups
 * are synchronous and on the main thread. Nothing is stored on the path of a
 * search: new answers and log counts are queued, and written together at
 * most once every PERSIST_DELAY_MS of activity, in an idle period, and at
 * once on close and when the page is hidden or left.
 */
export class IndexCache implements IndexCacheApi {
  readonly #cache: QueryCache;
  readonly #store: CacheStore | null;
  readonly #log: QueryLog;
  readonly #inputs: CacheInputs;
  #persistTimer: ReturnType<typeof setTimeout> | undefined;
  #persisting: Promise<void> = Promise.resolve();
  /** On pagehide, and when the page is hidden (a tab left in the background may be killed). */
  readonly #onHidden = (event: Event) => {
    if (event.type === 'pagehide' || document.visibilityState === 'hidden') void this.#persist();
  };
  #version: string | null = null;
  /**
   * Without persistence, answers live only as long as this object, whose
   * embedder cannot change: text keys need no fingerprint, and the embedder
   * is never called for one.
   */
  #fingerprint: Fingerprint;
  #counts = { loaded: 0, dropped: 0, corrupt: 0, persistErrors: 0 };

  constructor(name: string, options: ResolvedCacheOptions, inputs: CacheInputs, logger?: LogSink) {
    this.#inputs = inputs;
    this.#store = options.persist ? new CacheStore(name) : null;
    this.#fingerprint =
      this.#store || inputs.embed === undefined
        ? { state: 'unknown' }
        : { state: 'known', value: IN_MEMORY_ONLY };
    if (this.#store) {
      this.#store.onError = (error) => {
        this.#counts.persistErrors++;
        logger?.('warn', `query cache of "${name}" could not be stored: ${String(error)}`);
      };
    }
    this.#cache = new QueryCache({
      maxBytes: options.maxBytes,
      ttlMs: options.ttlMs,
      onRemove: (key) => {
        if (key.startsWith(SAVED_VERSION)) this.#unstore(key);
      },
    });
    this.#log = new QueryLog(
      options.logSize,
      options.persist ? keyvalStore(queryLogDatabaseName(name), 'log') : undefined,
    );
    if (options.persist && typeof addEventListener === 'function') {
      addEventListener('pagehide', this.#onHidden);
      addEventListener('visibilitychange', this.#onHidden);
    }
  }

  static async delete(name: string): Promise<void> {
    await Promise.all([CacheStore.delete(name), deleteDatabase(queryLogDatabaseName(name))]);
  }

  /**
   * Fingerprints the embedder, and reads the stored answers of the current
   * content and the query log. Answers to vectors are cached as soon as they
   * are read; answers to texts once the embedder's fingerprint is known, and
   * only those of the same embedder (the others are deleted). Never throws:
   * a store that cannot be read is cleared and counted.
   */
  async load(): Promise<void> {
    const fingerprint = this.#probe();
    if (!this.#store) {
      await fingerprint;
      return;
    }
    await this.#log.load().catch(() => {
      this.#counts.corrupt++;
    });
    const version = this.#inputs.content.cacheVersion;
    const loaded = await this.#store.load(
      (key) => version !== null && key.startsWith(`${version}|`),
    );
    this.#counts.dropped += loaded.dropped;
    this.#counts.corrupt += loaded.corrupt;
    const texts = loaded.entries.filter(({ entry }) => typeof entry.query === 'string');
    await this.#restore(loaded.entries.filter(({ entry }) => typeof entry.query !== 'string'));
    // Resolves once the fingerprint is known, stored texts or not: text keys can be made then.
    const embedder = await fingerprint;
    if (texts.length === 0) return;
    const mine = texts.filter(
      ({ key, entry }) => embedder !== null && key.endsWith(`|${queryKey(entry.query, embedder)}`),
    );
    const kept = new Set(mine.map((m) => m.key));
    for (const { key } of texts) {
      if (kept.has(key)) continue;
      // Another embedder's answer (or one that cannot be vouched for now): never served.
      this.#counts.dropped++;
      this.#unstore(key);
    }
    await this.#restore(mine);
  }

  /** Caches stored answers, RESTORE_SLICE a task, so that a full cache makes no long task on open. */
  async #restore(entries: { key: string; entry: CacheEntry; ttlMs: number }[]): Promise<void> {
    for (let i = 0; i < entries.length; i++) {
      if (i > 0 && i % RESTORE_SLICE === 0) await nextTask();
      const { key, entry, ttlMs } = entries[i] as (typeof entries)[number];
      // Whatever was cached in this page meanwhile is newer; other content's answers are void.
      if (this.#cache.has(key) || !key.startsWith(`${this.#inputs.content.cacheVersion}|`))
        continue;
      if (this.#cache.set(key, entry.query, entry.hits, ttlMs)) this.#counts.loaded++;
    }
  }

  /**
   * The embedder's fingerprint, probed once in the background (at most
   * PROBE_TIMEOUT_MS): what text keys hold, so that answers of one embedder
   * are never served for another, across reloads too.
   */
  #probe(): Promise<string | null> {
    const current = this.#fingerprint;
    if (current.state === 'known') return Promise.resolve(current.value);
    if (current.state === 'probing') return current.done;
    // After the page's own work of the moment (an open, its first searches):
    // the probe calls the embedder, which may be a model on the main thread.
    const done = idlePeriod(PROBE_IDLE_TIMEOUT_MS)
      .then(() => embedderFingerprint(this.#inputs.embed))
      .then((value) => {
        this.#fingerprint = { state: 'known', value };
        return value;
      });
    this.#fingerprint = { state: 'probing', done };
    return done;
  }

  /** The fingerprint if known now; null while it is probed or when there is none. */
  #embedder(): string | null {
    if (this.#fingerprint.state === 'unknown') void this.#probe();
    return this.#fingerprint.state === 'known' ? this.#fingerprint.value : null;
  }

  /**
   * The key of a search, or null when it may not be cached now: no current
   * content, or a text query while the embedder's fingerprint is not known.
   * `queryPart` is `queryKey(query)` when the caller computed it already; a
   * text's part is made here, with the fingerprint.
   */
  key(
    query: Float32Array | string,
    k: number,
    efSearch: number | undefined,
    filter: Filter | undefined,
    queryPart: string = queryKey(query),
    /** Text and hybrid searches: `modeKey(...)`, and whether the query's text is embedded (hybrid). */
    mode?: { readonly key: string; readonly embeds: boolean },
  ) {
    const version = this.#currentVersion();
    if (version === null) return null;
    let part = queryPart;
    if (typeof query === 'string' && (mode === undefined || mode.embeds)) {
      const embedder = this.#embedder();
      if (embedder === null) return null;
      part = queryKey(query, embedder);
    }
    return cacheKey({
      version,
      query,
      queryKey: part,
      k,
      efSearch: efSearch ?? this.#inputs.content.efSearch,
      filter,
      ...(mode === undefined ? {} : { mode: mode.key }),
    });
  }

  /** The content's version; entries of other versions are dropped when it moves. */
  #currentVersion(): string | null {
    const version = this.#inputs.content.cacheVersion;
    if (version !== null && version !== this.#version) {
      this.#version = version;
      const prefix = `${version}|`;
      this.#cache.retain((key) => key.startsWith(prefix));
    }
    return version;
  }

  lookup(key: string, query: Float32Array | string): Hit[] | undefined {
    return this.#cache.get(key, query);
  }

  /** Caches an answer if the content did not change while it was computed. */
  remember(key: string, query: Float32Array | string, hits: readonly Hit[]): void {
    if (!key.startsWith(`${this.#inputs.content.cacheVersion}|`)) return;
    if (!this.#cache.set(key, query, hits)) return;
    if (key.startsWith(SAVED_VERSION)) {
      const stored = this.#cache.peek(key);
      if (stored && this.#store) {
        this.#store.put(key, stored.read, stored.ttlMs);
        this.#persistSoon();
      }
    }
  }

  #unstore(key: string): void {
    if (!this.#store) return;
    this.#store.remove(key);
    this.#persistSoon();
  }

  /** Writes what is queued once PERSIST_DELAY_MS have passed, in an idle period. */
  #persistSoon(): void {
    this.#persistTimer ??= setTimeout(() => {
      void idlePeriod(IDLE_TIMEOUT_MS).then(() => this.#persist());
    }, PERSIST_DELAY_MS);
  }

  /** Writes the queued answers and the query log now; never rejects (failures are counted). */
  #persist(): Promise<void> {
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
    this.#persisting = this.#persisting.then(() =>
      Promise.all([
        this.#store?.flush(),
        this.#log.persist().catch(() => {
          this.#counts.persistErrors++;
        }),
      ]).then(() => undefined),
    );
    return this.#persisting;
  }

  record(
    query: Float32Array | string,
    k: number,
    filter: Filter | undefined,
    queryPart: string = queryKey(query),
  ): void {
    this.#log.record(query, k, filter, queryPart);
    if (this.#store) this.#persistSoon();
  }

  stats(): CacheStats {
    return { ...this.#cache.stats(), ...this.#counts, loggedQueries: this.#log.size };
  }

  resize(maxBytes: number): void {
    this.#cache.resize(maxBytes);
  }

  clear(): void {
    this.#cache.clear();
  }

  topQueries(minFrequency = 1, limit = 50): LoggedQuery[] {
    return this.#log.top(minFrequency, limit);
  }

  /**
   * Text queries are warmed once the embedder's fingerprint is known (after
   * the probe, bounded); without one they are left out, as their answers
   * could not be cached.
   */
  async warm(options?: WarmOptions): Promise<WarmResult> {
    const embedder = await this.#probe();
    return warmCache(
      {
        candidates: (min, top) =>
          this.#log.top(min, top, (q) => embedder !== null || typeof q.query !== 'string'),
        isCached: (q) => {
          const key = this.key(q.query, q.k, undefined, q.filter);
          return key !== null && this.#cache.has(key);
        },
        search: (q) => this.#inputs.search(q),
        busy: () => this.#inputs.activity.busy,
        idle: idlePeriod,
      },
      options,
    );
  }

  /** Writes what is queued and stops listening for the page being hidden; used on close. */
  async flush(): Promise<void> {
    if (typeof removeEventListener === 'function') {
      removeEventListener('pagehide', this.#onHidden);
      removeEventListener('visibilitychange', this.#onHidden);
    }
    await this.#persist();
  }
}

export function queryLogDatabaseName(name: string): string {
  return `vicinity-querylog:${name}`;
}

export { cacheDatabaseName };
