/**
 * Checks of a call's arguments: ids, k, efSearch, search options, and a
 * batch of items packed for the worker.
 */
import { VicinityError } from '../core/VicinityError.js';
import type { Item, Metadata, Metric } from '../core/types.js';
import { describe, kindOf } from './describeValue.js';
import { assertMetadata, copyPlainData } from './plainData.js';
import { writeVector } from './vectors.js';

/** Largest label hnswlib-wasm can hold, and a sane cap on k and efSearch. */
const MAX_INT = 2 ** 31 - 1;

export function assertId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new VicinityError(
      'INVALID_ID',
      `${where}: id must be a non-empty string, got ${describe(id)}`,
    );
  }
}

export function assertK(k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_INT) {
    throw new VicinityError('INVALID_K', `k must be a positive integer, got ${describe(k)}`);
  }
}

export function assertEf(ef: unknown, name = 'efSearch'): asserts ef is number {
  if (typeof ef !== 'number' || !Number.isInteger(ef) || ef < 1 || ef > MAX_INT) {
    throw new VicinityError(
      'INVALID_EF',
      `${name} must be a positive integer, got ${describe(ef)}`,
    );
  }
}

/** The keys of SearchOptions. */
const SEARCH_KEYS: readonly string[] = ['k', 'filter', 'efSearch'];

/** Search options as read, each property once. */
export interface ReadSearchOptions {
  readonly k: number | undefined;
  readonly filter: unknown;
  readonly efSearch: number | undefined;
}

/**
 * Checks search options as open options are checked: an unknown key is
 * INVALID_OPTIONS (a misspelt `fitler` must not search unfiltered); `k` and
 * `efSearch` are left out (undefined) or positive integers, null included
 * (INVALID_K, INVALID_EF); a filter is left out or an object (null is
 * INVALID_FILTER). The filter itself is compileFilter's to check.
 */
export function readSearchOptions(options: unknown, what = 'search options'): ReadSearchOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${what} must be an object such as { k: 10 }, got ${kindOf(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!SEARCH_KEYS.includes(key)) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `unknown ${what.replace(/s$/, '')} ${JSON.stringify(key)}; the options are ${SEARCH_KEYS.join(', ')}`,
      );
    }
  }
  const { k, filter, efSearch } = options as Record<string, unknown>;
  if (k !== undefined) assertK(k);
  if (efSearch !== undefined) assertEf(efSearch);
  if (filter === null) {
    throw new VicinityError('INVALID_FILTER', 'filter is null; leave it out to search unfiltered');
  }
  return { k, filter, efSearch };
}

/** The worker's check of a request the page built: k is required there. */
export function assertSearchRequest(request: unknown): void {
  const { k } = readSearchOptions(request, 'search request');
  assertK(k);
}

/** Ids of one batch: each valid, none twice. */
export function assertIds(ids: readonly unknown[], what: string): asserts ids is string[] {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    assertId(id, `${what}[${i}]`);
    if (seen.has(id)) {
      throw new VicinityError(
        'DUPLICATE_ID',
        `${what}[${i}]: id ${JSON.stringify(id)} appears twice in one batch`,
      );
    }
    seen.add(id);
  });
}

export interface PackedItems {
  readonly ids: string[];
  readonly vectors: Float32Array;
  readonly metadata: (Metadata | undefined)[];
}

/**
 * Validates a whole batch before anything changes, and packs its vectors.
 * The metadata returned is a copy (see copyPlainData): that is what goes to
 * the worker.
 */
export function packItems(items: unknown, dimensions: number, metric: Metric): PackedItems {
  if (!Array.isArray(items)) {
    throw new VicinityError('INVALID_ID', 'upsert takes an array of { id, vector, metadata? }');
  }
  const vectors = new Float32Array(items.length * dimensions);
  const ids: string[] = [];
  const metadata: (Metadata | undefined)[] = [];
  items.forEach((item: Partial<Item> | null | undefined, i) => {
    const where = `items[${i}]`;
    if (typeof item !== 'object' || item === null) {
      throw new VicinityError('INVALID_ID', `${where} must be an object { id, vector, metadata? }`);
    }
    assertId(item.id, where);
    ids.push(item.id);
    writeVector(item.vector, dimensions, metric, vectors, i * dimensions, where);
    const m: unknown = item.metadata;
    assertMetadata(m, where);
    metadata.push(m);
  });
  assertIds(ids, 'items');
  if (metadata.every((m) => m === undefined)) return { ids, vectors, metadata };
  const copied = copyPlainData(
    metadata,
    'INVALID_METADATA',
    (i) => (i === undefined ? 'metadata' : `items[${i}]: metadata`),
    metadata,
  );
  return { ids, vectors, metadata: copied };
}
