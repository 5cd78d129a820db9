import type { Hit } from '../core/types.js';
import { hashVector } from './cacheKey.js';
import { Cyrb53 } from './Cyrb53.js';
import type { CacheEntry } from './QueryCache.js';

/**
 * Format of a stored answer. 2 added the checksum: a record of format 1 is
 * dropped on open, never served, as nothing vouches for it.
 */
export const STORED_VERSION = 2;

/** An answer as stored: wall-clock expiry, since performance.now() restarts with the page. */
export interface StoredEntry {
  readonly v: typeof STORED_VERSION;
  readonly query: Float32Array | string;
  readonly hits: readonly Hit[];
  readonly expiresAt: number;
  /** cyrb53 over the key, the query, the hits and the expiry: see `storedChecksum`. */
  readonly sum: number;
}

/** What a record read back from the store is. */
export type StoredRecord =
  | { readonly kind: 'entry'; readonly entry: CacheEntry; readonly ttlMs: number }
  /** Past its expiry, or of an older format: deleted, not counted as damage. */
  | { readonly kind: 'stale'; readonly why: string }
  /** Not what this library wrote: deleted and counted in `corrupt`. */
  | { readonly kind: 'corrupt'; readonly why: string };

/** The record to store for `key`: the answer with its checksum. */
export function storedEntry(key: string, entry: CacheEntry, expiresAt: number): StoredEntry {
  return {
    v: STORED_VERSION,
    query: entry.query,
    hits: entry.hits,
    expiresAt,
    sum: storedChecksum(key, entry.query, entry.hits, expiresAt),
  };
}

/**
 * cyrb53 over everything a record holds, the key included (an answer moved
 * to another key fails too). Stored records are small (an answer's ids,
 * numbers and metadata), so it costs microseconds, and it runs when the
 * store is written in idle time and read back on open, never on a search.
 */
export function storedChecksum(
  key: string,
  query: Float32Array | string,
  hits: readonly Hit[],
  expiresAt: number,
): number {
  const hash = new Cyrb53(STORED_VERSION).text(key);
  if (typeof query === 'string') hash.word(0).text(query);
  else hash.word(1).word(query.length).words(floatWords(query));
  hash.word(hits.length);
  for (const hit of hits) {
    hash.text(hit.id).number(hit.score).number(hit.distance);
    if (hit.metadata === undefined) hash.word(0);
    else hash.word(1).text(JSON.stringify(hit.metadata));
  }
  return hash.number(expiresAt).digest();
}

/**
 * Checks a record read back from the store for `key`: its format, its
 * checksum, and that it is an answer this library could have given: k hits
 * at most (k is in the key), distinct non-empty ids, finite numbers, best
 * first, the score consistent with the distance as the engine computes it
 * (1 − distance for cosine and ip, −distance for l2: VectorCollection's
 * hits), and the query the key names. Whether the ids are still in the
 * index is for the key's content version to say.
 */
export function readStoredEntry(key: unknown, value: unknown, now: number): StoredRecord {
  if (typeof key !== 'string') return corrupt('its key is not a string');
  if (typeof value !== 'object' || value === null) return corrupt('not an object');
  const record = value as Partial<Record<keyof StoredEntry, unknown>>;
  if (record.v !== STORED_VERSION) {
    return isFormat1(record)
      ? { kind: 'stale', why: 'a record of format 1, without a checksum' }
      : corrupt(`unknown format ${String(record.v)}`);
  }
  const { query, hits, expiresAt, sum } = record;
  if (typeof query !== 'string' && !(query instanceof Float32Array))
    return corrupt('its query is neither text nor a Float32Array');
  if (!Array.isArray(hits)) return corrupt('its hits are not an array');
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))
    return corrupt('its expiry is not a finite number');
  if (!hits.every(isHitShape)) return corrupt('a hit is not { id, score, distance, metadata? }');
  if (sum !== storedChecksum(key, query, hits, expiresAt)) return corrupt('checksum mismatch');
  const implausible = implausibility(key, query, hits);
  if (implausible) return corrupt(implausible);
  if (expiresAt <= now) return { kind: 'stale', why: 'expired' };
  return { kind: 'entry', entry: { query, hits }, ttlMs: expiresAt - now };
}

function corrupt(why: string): StoredRecord {
  return { kind: 'corrupt', why };
}

/** Why the answer cannot be one the index gave for `key`, or '' when it can. */
function implausibility(key: string, query: Float32Array | string, hits: readonly Hit[]): string {
  const [, kText] = key.split('|', 2);
  const k = Number(kText);
  if (!Number.isSafeInteger(k) || k < 1) return 'its key holds no k';
  if (hits.length > k) return `${hits.length} hits for k = ${k}`;
  if (typeof query === 'string') {
    if (!key.endsWith(`:${query}`)) return 'its key names another text';
  } else {
    if (query.length === 0 || !query.every(Number.isFinite))
      return 'its query vector is not finite';
    if (!key.endsWith(`|v${hashVector(query)}`)) return 'its key names another vector';
  }
  const ids = new Set<string>();
  let previous = -Infinity;
  // Every hit of one answer relates score and distance the same way (one metric).
  const l2 = hits.length > 0 && (hits[0] as Hit).score === -(hits[0] as Hit).distance;
  for (const hit of hits) {
    if (!Number.isFinite(hit.score) || !Number.isFinite(hit.distance))
      return 'a number is not finite';
    if (ids.has(hit.id)) return `id ${JSON.stringify(hit.id)} twice`;
    ids.add(hit.id);
    if (hit.distance < previous) return 'hits are not best first';
    previous = hit.distance;
    const consistent = l2
      ? hit.score === -hit.distance && hit.distance >= 0
      : hit.score === 1 - hit.distance;
    if (!consistent) return `score ${hit.score} does not go with distance ${hit.distance}`;
  }
  return '';
}

function isHitShape(value: unknown): value is Hit {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Partial<Record<keyof Hit, unknown>>;
  return (
    typeof h.id === 'string' &&
    h.id.length > 0 &&
    typeof h.score === 'number' &&
    typeof h.distance === 'number' &&
    (h.metadata === undefined ||
      (typeof h.metadata === 'object' && h.metadata !== null && !Array.isArray(h.metadata)))
  );
}

/** The shape format 1 had: recognised only to tell an old record from damage. */
function isFormat1(record: Partial<Record<keyof StoredEntry, unknown>>): boolean {
  return (
    record.v === 1 &&
    (typeof record.query === 'string' || record.query instanceof Float32Array) &&
    typeof record.expiresAt === 'number' &&
    Array.isArray(record.hits) &&
    record.hits.every(isHitShape)
  );
}

function floatWords(vector: Float32Array): Uint32Array {
  return new Uint32Array(vector.buffer, vector.byteOffset, vector.length);
}
