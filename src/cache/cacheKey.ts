import type { Filter } from '../types.js';

/** What decides a search's answer, besides the index content (`version`). */
export interface CacheKeyParts {
  /** Identity of the index content that answers: see VectorIndex's cache version. */
  readonly version: string;
  readonly query: Float32Array | string;
  readonly k: number;
  readonly efSearch: number;
  readonly filter: Filter | undefined;
  /** `queryKey(query)`, when the caller computed it already. */
  readonly queryKey?: string;
}

/** The query's part of a key: the text, or a hash of the vector. */
export function queryKey(query: Float32Array | string): string {
  return typeof query === 'string' ? `t${query}` : `v${hashVector(query)}`;
}

/**
 * A string key for the query cache. Vectors are hashed (53-bit cyrb53 over
 * their float bits); a hit still compares the stored query exactly, so a
 * hash collision is a miss, never a wrong answer.
 */
export function cacheKey(parts: CacheKeyParts): string {
  const query = parts.queryKey ?? queryKey(parts.query);
  const filter = parts.filter === undefined ? '' : canonicalJson(parts.filter);
  return `${parts.version}|${parts.k}|${parts.efSearch}|${filter}|${query}`;
}

/**
 * JSON with object keys sorted at every depth, so that key order does not
 * matter. A key whose value is undefined is left out, as filters ignore it;
 * an undefined array element stays distinct from null.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(value)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** cyrb53 (public domain, bryc) over the vector's 32-bit float patterns. */
export function hashVector(vector: Float32Array): number {
  const words = new Uint32Array(vector.buffer, vector.byteOffset, vector.length);
  let h1 = 0xdeadbeef ^ vector.length;
  let h2 = 0x41c6ce57 ^ vector.length;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as number;
    h1 = Math.imul(h1 ^ word, 2654435761);
    h2 = Math.imul(h2 ^ word, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Whether two queries are the same query. */
export function sameQuery(a: Float32Array | string, b: Float32Array | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
