import type { Filter } from '../core/types.js';
import { Cyrb53 } from './Cyrb53.js';

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
  /** A text or hybrid search: its mode, fusion and candidates (see modeKey); absent for vector searches. */
  readonly mode?: string;
}

/** The part of a key that names a text or hybrid search's mode, fusion and candidates. */
export function modeKey(request: { mode: string; fusion: object; candidates: number }): string {
  return `${request.mode}:${canonicalJson(request.fusion)}:${request.candidates}`;
}

/**
 * The query's part of a key: a hash of the vector, or the text. A text's
 * answer depends on the embedder too: cache keys give its fingerprint
 * (`embedder`, see embedderFingerprint) before the text. Without it, the
 * part names the text alone, as the query log counts it.
 */
export function queryKey(query: Float32Array | string, embedder?: string): string {
  if (typeof query !== 'string') return `v${hashVector(query)}`;
  return embedder === undefined ? `t${query}` : `t${embedder}:${query}`;
}

/**
 * A string key for the query cache. Vectors are hashed (53-bit cyrb53 over
 * their float bits); a hit still compares the stored query exactly, so a
 * hash collision is a miss, never a wrong answer.
 */
export function cacheKey(parts: CacheKeyParts): string {
  const query = parts.queryKey ?? queryKey(parts.query);
  const filter = parts.filter === undefined ? '' : canonicalJson(parts.filter);
  const mode = parts.mode === undefined ? '' : `|${parts.mode}`;
  return `${parts.version}|${parts.k}|${parts.efSearch}|${filter}${mode}|${query}`;
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
  return new Cyrb53(vector.length)
    .words(new Uint32Array(vector.buffer, vector.byteOffset, vector.length))
    .digest();
}

/** Whether two queries are the same query. */
export function sameQuery(a: Float32Array | string, b: Float32Array | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
