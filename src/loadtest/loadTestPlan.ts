import { VicinityError } from '../core/VicinityError.js';
import { assertFilter } from '../filter/compileFilter.js';
import { OptionReader } from '../optimizer/OptionReader.js';
import type { Metric, SearchOptions, VectorLike } from '../core/types.js';
import { copyPlainData } from '../validation/plainData.js';
import { readSearchOptions } from '../validation/validateInput.js';
import { writeVector } from '../validation/vectors.js';
import { VariantPool, type VariationOptions } from './VariantPool.js';

/**
 * Options of a load test. Every one is checked before the first search
 * (unknown keys too); sizes are bounded (LOAD_TEST_LIMITS).
 */
export interface LoadTestOptions {
  /**
   * The queries to send (vectors of the index's dimensions or, with an
   * `embed` option on the index, texts of at most 100,000 characters); 1 to
   * 100,000 of them.
   */
  readonly queries: readonly (VectorLike | string)[];
  /**
   * Variants of the queries sent among them, made when picked (never all at
   * once); false: only the queries as given. @default { perQuery: 3, noise: 0.05 }
   */
  readonly variations?: VariationOptions | false;
  /** Virtual users, 1 to 1,024: each sends one search, waits for it, thinks, and sends the next. @default 4 */
  readonly users?: number;
  /**
   * How long to send, ms, at most 3,600,000 (an hour); the default when
   * `requests` is not given. @default 10000
   */
  readonly durationMs?: number;
  /**
   * Stop after this many searches, at most 10,000,000 (instead of, or as
   * well as, a duration; alone, the test still ends after an hour).
   */
  readonly requests?: number;
  /** Users start evenly spread over this time, ms, at most 3,600,000. @default 0 */
  readonly rampUpMs?: number;
  /** A user waits a random time in this range between searches, ms, each at most 60,000. @default [0, 0] */
  readonly thinkTimeMs?: number | readonly [number, number];
  /**
   * 'bypass': every search goes to the index, past the query cache, so that
   * the test measures the index (what a capacity test needs). 'use': searches
   * go through the cache as the page's own do, so that repeated queries are
   * answered from it; the result reports the share it answered.
   * @default 'bypass'
   */
  readonly cache?: 'bypass' | 'use';
  /** Options of every search (`k`, `filter`, `efSearch`), checked before the first as a search checks them. */
  readonly search?: SearchOptions;
  readonly signal?: AbortSignal;
  /** Called about every `progressEveryMs` while the test runs, and once at the end. */
  readonly onProgress?: (progress: LoadTestProgress) => void;
  /** From 10 to 60,000. @default 250 */
  readonly progressEveryMs?: number;
  /** Seeds the choice of queries and think times; a whole number from 0 to 2³² − 1. @default 1 */
  readonly seed?: number;
}

export interface LoadTestProgress {
  readonly elapsedMs: number;
  readonly done: number;
  readonly errors: number;
  readonly activeUsers: number;
  /** Over the whole run so far. */
  readonly requestsPerSecond: number;
  /** p95 latency so far, ms (within 1 %). */
  readonly p95Ms: number;
}

/** Bounds of a load test's options (see LoadTestOptions). */
export const LOAD_TEST_LIMITS = {
  queries: 100_000,
  /** Characters of a text query. */
  textLength: 100_000,
  users: 1024,
  requests: 10_000_000,
  /** Also the longest a test runs when only `requests` is given. */
  durationMs: 3_600_000,
  rampUpMs: 3_600_000,
  thinkTimeMs: 60_000,
  progressEveryMs: { min: 10, max: 60_000 },
} as const;

/** Every option of a load test. */
export const LOAD_TEST_KEYS: readonly (keyof LoadTestOptions)[] = [
  'queries',
  'variations',
  'users',
  'durationMs',
  'requests',
  'rampUpMs',
  'thinkTimeMs',
  'cache',
  'search',
  'signal',
  'onProgress',
  'progressEveryMs',
  'seed',
];

/** What a run needs, checked. */
export interface LoadTestPlan {
  readonly pool: VariantPool;
  readonly users: number;
  readonly requests: number | undefined;
  /** The deadline after the start, ms: `durationMs`, or the longest test when only `requests` is given. */
  readonly durationMs: number;
  readonly rampUpMs: number;
  readonly thinkMin: number;
  readonly thinkMax: number;
  readonly useCache: boolean;
  readonly search: SearchOptions;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: LoadTestProgress) => void) | undefined;
  readonly progressEveryMs: number;
  readonly seed: number;
}

/**
 * Checks every option of a load test before its first search, against the
 * index it will run on: unknown keys, types and ranges fail with
 * INVALID_OPTIONS; a bad vector with its own code (DIMENSION_MISMATCH,
 * INVALID_VECTOR); `search` as a search checks it, with the same codes
 * (INVALID_K, INVALID_EF, INVALID_FILTER, FUNCTION_FILTER; an unknown key
 * INVALID_OPTIONS), so that a test is not run only to fail every request.
 */
export function loadTestPlan(
  options: unknown,
  index: { readonly dimensions: number; readonly metric: Metric },
): LoadTestPlan {
  const read = OptionReader.of(options, '', LOAD_TEST_KEYS);
  if (!read.has('queries')) read.fail('queries', 'are needed: at least one vector or text');
  const given = read.raw('queries');
  if (!Array.isArray(given) || given.length === 0 || given.length > LOAD_TEST_LIMITS.queries)
    read.fail('queries', `must be an array of 1 to ${LOAD_TEST_LIMITS.queries} vectors or texts`);
  const queries = (given as unknown[]).map((query, i) => {
    if (typeof query === 'string') {
      if (query.length === 0 || query.length > LOAD_TEST_LIMITS.textLength)
        throw new VicinityError(
          'INVALID_OPTIONS',
          `queries[${i}] must be a text of 1 to ${LOAD_TEST_LIMITS.textLength} characters`,
        );
      return query;
    }
    // A checked copy: the caller's array may change while the test runs.
    const vector = new Float32Array(index.dimensions);
    writeVector(query, index.dimensions, index.metric, vector, 0, `queries[${i}]`);
    return vector;
  });
  const variations = read.raw('variations');
  const pool = new VariantPool(queries, variations as LoadTestOptions['variations']);
  const requests = read.integer('requests', 1, LOAD_TEST_LIMITS.requests);
  const durationMs = read.number('durationMs', {
    min: 0,
    max: LOAD_TEST_LIMITS.durationMs,
    aboveMin: true,
  });
  return {
    pool,
    users: read.integer('users', 1, LOAD_TEST_LIMITS.users, 4),
    requests,
    durationMs: durationMs ?? (requests === undefined ? 10_000 : LOAD_TEST_LIMITS.durationMs),
    rampUpMs: read.number('rampUpMs', { min: 0, max: LOAD_TEST_LIMITS.rampUpMs }, 0),
    ...thinkTime(read),
    useCache: read.oneOf('cache', ['bypass', 'use'], 'bypass') === 'use',
    search: searchOptions(read),
    signal: read.signal('signal'),
    onProgress: read.callback<(progress: LoadTestProgress) => void>('onProgress'),
    progressEveryMs: read.number('progressEveryMs', LOAD_TEST_LIMITS.progressEveryMs, 250),
    seed: read.integer('seed', 0, 2 ** 32 - 1, 1),
  };
}

function thinkTime(read: OptionReader): { thinkMin: number; thinkMax: number } {
  const think = read.raw('thinkTimeMs') ?? 0;
  const [min, max] = typeof think === 'number' ? [think, think] : Array.isArray(think) ? think : [];
  const ok = (x: unknown): x is number =>
    typeof x === 'number' && x >= 0 && x <= LOAD_TEST_LIMITS.thinkTimeMs;
  if ((!Array.isArray(think) || think.length === 2) && ok(min) && ok(max) && min <= max)
    return { thinkMin: min, thinkMax: max };
  return read.fail(
    'thinkTimeMs',
    `must be a number from 0 to ${LOAD_TEST_LIMITS.thinkTimeMs} or a range [min, max] within it`,
  );
}

/** The options of every search, checked as a search checks them (QueryPacker.request). */
function searchOptions(read: OptionReader): SearchOptions {
  const given = read.raw('search');
  if (given === undefined) return {};
  const { k, efSearch, filter } = readSearchOptions(given, 'search options of the load test');
  if (filter === undefined) return { k, efSearch };
  assertFilter(filter);
  // A copy of what was checked: the caller's object may change while the test runs.
  return {
    k,
    efSearch,
    filter: copyPlainData(filter, 'INVALID_FILTER', () => 'search.filter'),
  };
}
