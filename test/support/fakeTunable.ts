import { vi } from 'vitest';
import {
  TUNING,
  type LiveQuery,
  type QueryBatch,
  type Tunable,
  type TuningPort,
} from '../../src/client/tuning.js';
import type { Hit, SearchOptions, SearchResult } from '../../src/core/types.js';
import { VicinityError, type VicinityErrorCode } from '../../src/core/VicinityError.js';
import { PerformanceMonitor, percentiles } from '../../src/monitor/PerformanceMonitor.js';
import type { Percentiles } from '../../src/monitor/operations.js';
import { seededRandom } from '../../src/util/seededRandom.js';

/** How a FakeIndex is made and how it behaves. */
export interface FakeIndexOptions {
  /** Vectors. @default 400 */
  readonly size?: number;
  /** @default 8 */
  readonly dimensions?: number;
  /** The index's efSearch at the start. @default 64 */
  readonly efSearch?: number;
  /** Seeds the vectors, the misses and the jitter. @default 1 */
  readonly seed?: number;
  /** Simulated time of one search at an efSearch, ms (whole: fake timers count whole ms). @default ef / 4 */
  readonly latencyMs?: (efSearch: number) => number;
  /** Each timed search takes up to this many whole ms more, drawn from a seeded stream. @default 0 */
  readonly jitterMs?: number;
  /** The chance that a true neighbour is missed at an efSearch. @default exp(−ef / 16) */
  readonly missRate?: (efSearch: number) => number;
  /** Simulated time of an exact answer, per query, ms. @default 2 */
  readonly exactMs?: number;
  /** Operations the monitor keeps. @default 1000 */
  readonly monitorCapacity?: number;
  /** The n-th load-test search (from 0) fails with this code; null: it succeeds. @default none fail */
  readonly failLoadTest?: (call: number) => VicinityErrorCode | null;
}

/** A load-test search as the port received it. */
export interface LoadTestCall {
  readonly options: SearchOptions;
  readonly useCache: boolean;
  readonly efSearch: number;
  readonly startedAt: number;
  /** What it took on the fake clock, ms (1 for an answer from the fake cache). */
  readonly latencyMs: number;
  readonly cached: boolean;
  readonly error: VicinityErrorCode | null;
}

/** Vitest's fake timers with the clocks this package reads (performance.now, Date) faked; setImmediate stays real. */
export function useFakeClock(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

/**
 * Runs fake time, timer after timer, until `promise` settles; fails past
 * `limitMs` of fake time (a run that would never end). Before each timer,
 * a real task lets every promise that needs no timer settle first, so that
 * the clock never jumps past a result that was already on its way.
 */
export async function settle<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  const start = performance.now();
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (done) return watched;
    if (vi.getTimerCount() > 0) await vi.advanceTimersToNextTimerAsync();
    if (performance.now() - start > limitMs)
      throw new Error(`still pending after ${limitMs} ms of fake time`);
  }
}

/** A 32-bit hash of words (murmur3's finaliser over a running mix). */
function mix(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h = (h << 13) | (h >>> 19);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function queryHash(query: Float32Array): number {
  const words = new Uint32Array(query.buffer, query.byteOffset, query.length);
  return mix(...words);
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function asResult(hits: Hit[], cached: boolean): SearchResult {
  return Object.defineProperty(hits, 'cached', { value: cached }) as SearchResult;
}

/**
 * A deterministic stand-in for a VectorIndex behind its tuning port: a few
 * hundred small vectors searched by brute force, a graph search that misses
 * each true neighbour with a chance that falls as efSearch grows, and
 * latencies simulated from efSearch on the clock of vitest's fake timers
 * (see useFakeClock), recorded into a real PerformanceMonitor.
 *
 * Whether a query's true neighbour is missed is a seeded hash of the query,
 * the neighbour and the seed, compared with `missRate(efSearch)`: the same
 * query at the same efSearch always loses the same neighbours, a larger
 * efSearch never loses more, and over many queries a share `missRate(ef)` of
 * the true neighbours is lost. `knownRecall` reads the same rule, so a test
 * knows the recall it should see without asking the code under test.
 */
export class FakeIndex implements Tunable {
  readonly dimensions: number;
  readonly monitor: PerformanceMonitor;
  readonly ids: string[] = [];
  readonly vectors: Float32Array[] = [];
  efSearch: number;
  writes = 0;
  closed = false;
  /** Every setEfSearch the port received, in order. */
  readonly setEfSearchCalls: number[] = [];
  readonly loadTestCalls: LoadTestCall[] = [];
  /** Graph searches through the port: queries, efSearch and start of each call. */
  readonly approximateCalls: {
    readonly queries: number;
    readonly efSearch: number;
    readonly at: number;
  }[] = [];
  /** Latencies of the port's graph searches, by efSearch, ms. */
  readonly approximateLatencies = new Map<number, number[]>();
  /** Queries answered exactly through the port. */
  exactQueries = 0;
  /** Searches of the page (`search`). */
  pageSearches = 0;
  readonly #seed: number;
  readonly #latency: (ef: number) => number;
  readonly #jitter: number;
  readonly #jitterRandom: () => number;
  readonly #missRate: (ef: number) => number;
  readonly #exactMs: number;
  readonly #failLoadTest: (call: number) => VicinityErrorCode | null;
  readonly #listeners = new Set<(query: LiveQuery) => void>();
  /** The fake query cache of `loadTestSearch(…, true)`: answers by query and options. */
  readonly #cache = new Map<string, Hit[]>();
  readonly #port: TuningPort;
  #loadTestsStarted = 0;
  readonly #ranked = new Map<number, Hit[]>();
  readonly #idHashes = new Map<string, number>();

  constructor(options: FakeIndexOptions = {}) {
    const size = options.size ?? 400;
    this.dimensions = options.dimensions ?? 8;
    this.efSearch = options.efSearch ?? 64;
    this.#seed = options.seed ?? 1;
    this.#latency = options.latencyMs ?? ((ef) => Math.round(ef / 4));
    this.#jitter = options.jitterMs ?? 0;
    this.#jitterRandom = seededRandom(mix(this.#seed, 0x6a17));
    this.#missRate = options.missRate ?? ((ef) => Math.exp(-ef / 16));
    this.#exactMs = options.exactMs ?? 2;
    this.#failLoadTest = options.failLoadTest ?? (() => null);
    this.monitor = new PerformanceMonitor({
      now: () => performance.now(),
      checkEveryMs: 0,
      capacity: options.monitorCapacity ?? 1000,
    });
    const random = seededRandom(this.#seed);
    for (let i = 0; i < size; i++) {
      this.ids.push(`v${i}`);
      this.vectors.push(this.randomVector(random));
    }
    this.#port = this.#makePort();
  }

  [TUNING](): TuningPort {
    return this.#port;
  }

  /** Listeners of the port's onSearch now subscribed. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** A vector with components uniform in [−1, 1). */
  randomVector(random: () => number): Float32Array {
    return Float32Array.from({ length: this.dimensions }, () => random() * 2 - 1);
  }

  /** `n` query vectors, distinct, from their own seed. */
  queries(n: number, seed = 99): Float32Array[] {
    const random = seededRandom(mix(this.#seed, seed));
    return Array.from({ length: n }, () => this.randomVector(random));
  }

  /** Time one search takes at `efSearch` before jitter, ms. */
  latencyAt(efSearch: number): number {
    return this.#latency(efSearch);
  }

  /** The share of true neighbours a graph search finds at `efSearch`, over many queries. */
  expectedRecall(efSearch: number): number {
    return 1 - this.#missRate(efSearch);
  }

  /** Every item by distance (l2) to `query`, nearest first (kept until the next write). */
  ranked(query: Float32Array): readonly Hit[] {
    const key = queryHash(query);
    let ranked = this.#ranked.get(key);
    if (!ranked) {
      ranked = this.#rank(query);
      this.#ranked.set(key, ranked);
    }
    return ranked;
  }

  #rank(query: Float32Array): Hit[] {
    const hits = this.vectors.map((v, i) => {
      let sum = 0;
      for (let d = 0; d < v.length; d++) sum += ((v[d] as number) - (query[d] as number)) ** 2;
      const distance = Math.sqrt(sum);
      return { id: this.ids[i] as string, score: -distance, distance };
    });
    return hits.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1));
  }

  exactHits(query: Float32Array, k: number): Hit[] {
    return this.ranked(query).slice(0, k);
  }

  #missed(query: Float32Array, id: string, efSearch: number): boolean {
    let idHash = this.#idHashes.get(id);
    if (idHash === undefined) {
      idHash = mix(...Array.from(id, (c) => c.charCodeAt(0)));
      this.#idHashes.set(id, idHash);
    }
    const u = mix(this.#seed, queryHash(query), idHash) / 2 ** 32;
    return u < this.#missRate(efSearch);
  }

  /** What the graph answers: the true neighbours it did not miss, then the next nearest in their place. */
  approximateHits(query: Float32Array, k: number, efSearch: number): Hit[] {
    const ranked = this.ranked(query);
    const kept = ranked.slice(0, k).filter((h) => !this.#missed(query, h.id, efSearch));
    return kept.concat(ranked.slice(k, 2 * k - kept.length));
  }

  /** recall@k of the graph for `query` at `efSearch`, by the rule that makes its misses. */
  knownRecall(query: Float32Array, k: number, efSearch: number): number {
    const truth = this.exactHits(query, k);
    return truth.filter((h) => !this.#missed(query, h.id, efSearch)).length / truth.length;
  }

  /** Mean recall@k over `queries` at `efSearch`. */
  knownMeanRecall(queries: readonly Float32Array[], k: number, efSearch: number): number {
    let sum = 0;
    for (const q of queries) sum += this.knownRecall(q, k, efSearch);
    return sum / queries.length;
  }

  /** An upsert: a write the port's writes() counts. */
  upsert(id: string, vector: Float32Array): void {
    this.#assertOpen();
    const i = this.ids.indexOf(id);
    if (i === -1) {
      this.ids.push(id);
      this.vectors.push(Float32Array.from(vector));
    } else this.vectors[i] = Float32Array.from(vector);
    this.writes++;
    this.#cache.clear();
    this.#ranked.clear();
  }

  close(): void {
    this.closed = true;
  }

  /** A search of the page: timed into the monitor as `search`, and told to the port's listeners. */
  async search(query: Float32Array, options: { k?: number; efSearch?: number } = {}) {
    this.#assertOpen();
    this.pageSearches++;
    const k = options.k ?? 10;
    const ef = options.efSearch ?? this.efSearch;
    const startedAt = performance.now();
    await delay(this.#timed(ef));
    const hits = asResult(this.approximateHits(query, k, ef), false);
    this.monitor.record({
      operation: 'search',
      startedAt,
      totalMs: performance.now() - startedAt,
      cached: false,
      efSearch: ef,
    });
    this.#tell(query, k, ef, hits);
    return hits;
  }

  /**
   * Page searches of `queries` in turn, one every `everyMs`, until the
   * returned function is called.
   */
  traffic(queries: readonly Float32Array[], everyMs: number, k = 10): () => void {
    let next = 0;
    const timer = setInterval(() => {
      if (this.closed) return;
      void this.search(queries[next++ % queries.length] as Float32Array, { k });
    }, everyMs);
    return () => clearInterval(timer);
  }

  /** Figures of the load-test searches the port received. */
  loadTestFigures(): {
    calls: number;
    errors: number;
    cached: number;
    latency: Percentiles & { mean: number };
  } {
    const latencies = this.loadTestCalls.map((c) => c.latencyMs);
    const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
    return {
      calls: this.loadTestCalls.length,
      errors: this.loadTestCalls.filter((c) => c.error !== null).length,
      cached: this.loadTestCalls.filter((c) => c.cached).length,
      latency: { ...percentiles(latencies), mean },
    };
  }

  /** A latency at `efSearch`, jitter included, ms. */
  #timed(efSearch: number): number {
    const jitter = this.#jitter > 0 ? Math.floor(this.#jitterRandom() * (this.#jitter + 1)) : 0;
    return this.#latency(efSearch) + jitter;
  }

  #assertOpen(): void {
    if (this.closed) throw new VicinityError('CLOSED');
  }

  #vector(query: Float32Array | string): Float32Array {
    if (typeof query === 'string') throw new VicinityError('NO_EMBEDDER');
    if (query.length !== this.dimensions) throw new VicinityError('DIMENSION_MISMATCH');
    return query;
  }

  #tell(query: Float32Array, k: number, efSearch: number, hits: SearchResult): void {
    const live: LiveQuery = {
      query: Float32Array.from(query),
      k,
      filter: undefined,
      efSearch,
      hits,
      cached: hits.cached,
    };
    for (const listener of this.#listeners) listener(live);
  }

  async #loadTestSearch(
    query: Float32Array | string,
    options: SearchOptions,
    useCache: boolean,
  ): Promise<SearchResult> {
    this.#assertOpen();
    const vector = this.#vector(query);
    const k = options.k ?? 10;
    const ef = options.efSearch ?? this.efSearch;
    const call = this.#loadTestsStarted++;
    const startedAt = performance.now();
    const key = `${queryHash(vector)}|${k}|${ef}`;
    const hit = useCache ? this.#cache.get(key) : undefined;
    const record = (latencyMs: number, cached: boolean, error: VicinityErrorCode | null) => {
      this.loadTestCalls.push({
        options,
        useCache,
        efSearch: ef,
        startedAt,
        latencyMs,
        cached,
        error,
      });
      this.monitor.record({
        operation: 'loadtest',
        startedAt,
        totalMs: latencyMs,
        cached,
        efSearch: ef,
        ...(error === null ? {} : { error }),
      });
    };
    if (hit) {
      // A hit of the real cache takes no time; on a fake clock, a load test's users
      // would then never see 4 ms pass, and never give the page its turn.
      await delay(1);
      record(1, true, null);
      const hits = asResult([...hit], true);
      this.#tell(vector, k, ef, hits);
      return hits;
    }
    const error = this.#failLoadTest(call);
    const latency = this.#timed(ef);
    await delay(latency);
    record(latency, false, error);
    if (error !== null) throw new VicinityError(error);
    const hits = this.approximateHits(vector, k, ef);
    if (useCache) this.#cache.set(key, hits);
    const result = asResult([...hits], false);
    this.#tell(vector, k, ef, result);
    return result;
  }

  #makePort(): TuningPort {
    return {
      dimensions: this.dimensions,
      metric: 'l2',
      monitor: this.monitor,
      cache: null,
      efSearch: () => this.efSearch,
      size: () => this.vectors.length,
      writes: () => this.writes,
      setEfSearch: async (efSearch: number) => {
        this.#assertOpen();
        if (!Number.isInteger(efSearch) || efSearch < 1) throw new VicinityError('INVALID_EF');
        this.setEfSearchCalls.push(efSearch);
        this.efSearch = efSearch;
        this.#cache.clear();
      },
      loadTestSearch: (query, options, useCache) => this.#loadTestSearch(query, options, useCache),
      approximate: async (batch: QueryBatch, efSearch: number) => {
        this.#assertOpen();
        const queries = batch.queries.map((q) => this.#vector(q));
        this.approximateCalls.push({ queries: queries.length, efSearch, at: performance.now() });
        const latency = queries.reduce((sum) => sum + this.#timed(efSearch), 0);
        const list = this.approximateLatencies.get(efSearch) ?? [];
        list.push(latency);
        this.approximateLatencies.set(efSearch, list);
        await delay(latency);
        this.#assertOpen();
        return queries.map((q) => this.approximateHits(q, batch.k, efSearch));
      },
      exact: async (batch: QueryBatch) => {
        this.#assertOpen();
        const queries = batch.queries.map((q) => this.#vector(q));
        this.exactQueries += queries.length;
        await delay(this.#exactMs * queries.length);
        this.#assertOpen();
        return queries.map((q) => this.exactHits(q, batch.k));
      },
      onSearch: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
    };
  }
}
