import { VicinityError } from '../core/VicinityError.js';
import type { Item, Metadata, Metric, VectorLike } from '../core/types.js';

/** Largest label hnswlib-wasm can hold, and a sane cap on k and efSearch. */
const MAX_INT = 2 ** 31 - 1;

/**
 * The documented limits of what vicinity accepts (README, "Input limits").
 * Past them a call fails on the page, before anything crosses to the worker.
 *
 * Vectors are bounded as the engine computes them: in float32, where
 * FLT_MAX is about 2^128 and the smallest normal number (FLT_MIN) 2^-126.
 * Lengths are Euclidean norms.
 * - `maxNorm`: with every vector at most 2^62 long, any float32 sum the
 *   engine makes stays under 2^127 whatever its order (hnswlib's SIMD kernels
 *   add in four lanes): a squared L2 distance (|a - b| <= 2^63), a dot
 *   product and a squared norm (<= 2^124).
 * - `minCosineNorm`: both engines normalise by a norm summed in float32;
 *   from 2^-40 up its square (2^-80) is far above FLT_MIN, so the squares of
 *   tiny components that flush to zero cannot matter, and hnswlib's
 *   `+ 1e-30` neither. Shorter, [1e-23, 0, 0, 0] came out 1e7 long.
 * Under l2 and ip a tiny component is accepted: a squared difference or a
 * product that underflows in float32 loses only what float32 cannot hold
 * anyway; the sums stay finite and the ranking that of the float32 values.
 * (Refusing tiny components would refuse real embeddings now and then.)
 */
export const LIMITS = deepFreeze({
  vector: {
    maxNorm: 2 ** 62,
    minCosineNorm: 2 ** -40,
  },
  metadata: {
    /** Objects and arrays inside one another, the metadata object itself counting 1. */
    maxDepth: 32,
    /** `JSON.stringify(metadata).length` of one item: a save writes metadata as JSON. */
    maxJsonLength: 65_536,
  },
  filter: {
    /** Objects and arrays inside one another, the filter itself counting 1. */
    maxDepth: 32,
    /** Every object, array and value of the filter. */
    maxNodes: 20_000,
    /** Elements of one array: `$in`, `$nin`, `$and`, `$or`. */
    maxArrayLength: 10_000,
    /** Every string value and field name. */
    maxStringLength: 4_096,
  },
} as const);

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** 2^-40 as text people can check: the exponent and about what it is. */
function power(x: number): string {
  const exponent = Math.log2(x);
  return `2^${exponent} ≈ ${x.toPrecision(2)}`;
}

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

/**
 * Checks one vector and copies it into `target` at `offset`. The copy is what
 * crosses to the worker, so a caller's array is never detached or kept.
 */
export function writeVector(
  vector: VectorLike | unknown,
  dimensions: number,
  metric: Metric,
  target: Float32Array,
  offset: number,
  where: string,
): void {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw new VicinityError(
      'INVALID_VECTOR',
      `${where}: vector must be a Float32Array or number[]`,
    );
  }
  if (vector.length !== dimensions) {
    throw new VicinityError(
      'DIMENSION_MISMATCH',
      `${where}: vector has ${vector.length} dimensions, the index has ${dimensions}`,
    );
  }
  for (let i = 0; i < dimensions; i++) {
    const x: unknown = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new VicinityError('INVALID_VECTOR', `${where}: component ${i} is ${describe(x)}`);
    }
    target[offset + i] = x;
  }
  assertUsable(target.subarray(offset, offset + dimensions), metric, where);
}

/**
 * Checks a vector as the engine will compute with it, in float32 (see
 * LIMITS.vector): every component finite, the vector short enough that no
 * float32 sum overflows, and under cosine long enough to normalise. The sums here are float64 over the float32 values: exact
 * enough to hold the bounds, which keep a wide margin on the float32 ones.
 */
export function assertUsable(vector: Float32Array, metric: Metric, where: string): void {
  const { maxNorm, minCosineNorm } = LIMITS.vector;
  let norm2 = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (!Number.isFinite(x)) {
      throw new VicinityError('INVALID_VECTOR', `${where}: component ${i} is ${x} as float32`);
    }
    norm2 += x * x;
  }
  if (norm2 > maxNorm * maxNorm) {
    throw new VicinityError(
      'INVALID_VECTOR',
      `${where}: the vector is ${Math.sqrt(norm2).toPrecision(3)} long; at most ${power(maxNorm)} ` +
        `is accepted, or the engine's float32 sums overflow`,
    );
  }
  if (metric === 'cosine' && norm2 < minCosineNorm * minCosineNorm) {
    throw new VicinityError(
      'INVALID_VECTOR',
      norm2 === 0
        ? `${where}: a zero vector has no direction for cosine`
        : `${where}: the vector is ${Math.sqrt(norm2).toPrecision(3)} long; cosine needs at least ` +
            `${power(minCosineNorm)} to normalise it in float32`,
    );
  }
}

/** Checks a packed block of vectors that arrived in the worker. */
export function assertPackedVectors(
  vectors: unknown,
  count: number,
  dimensions: number,
  metric: Metric,
): asserts vectors is Float32Array {
  if (!(vectors instanceof Float32Array)) {
    throw new VicinityError('INVALID_VECTOR', 'vectors must arrive as one Float32Array');
  }
  if (vectors.length !== count * dimensions) {
    throw new VicinityError(
      'DIMENSION_MISMATCH',
      `expected ${count} × ${dimensions} floats, got ${vectors.length}`,
    );
  }
  for (let i = 0; i < count; i++) {
    assertUsable(vectors.subarray(i * dimensions, (i + 1) * dimensions), metric, `vector ${i}`);
  }
}

export function assertMetadata(
  metadata: unknown,
  where: string,
): asserts metadata is Metadata | undefined {
  if (metadata === undefined) return;
  inspectPlainData(metadata, METADATA_RULES, `${where}: metadata`);
}

/** What inspectPlainData accepts: metadata's rules or a filter's. */
interface DataRules {
  readonly code: 'INVALID_METADATA' | 'INVALID_FILTER';
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly maxArrayLength: number;
  readonly maxStringLength: number;
  readonly maxJsonLength: number;
  /**
   * Metadata is what a JSON save keeps unchanged: no undefined, no -0, no
   * NaN. A filter's leaves are judged by compileFilter, which skips
   * undefined operators and keys and reports a bad value with its path.
   */
  readonly json: boolean;
  /** The root must be a plain object (metadata); a filter's root is compileFilter's to judge. */
  readonly objectRoot: boolean;
}

const METADATA_RULES: DataRules = {
  code: 'INVALID_METADATA',
  maxDepth: LIMITS.metadata.maxDepth,
  maxNodes: Infinity,
  maxArrayLength: Infinity,
  maxStringLength: Infinity,
  maxJsonLength: LIMITS.metadata.maxJsonLength,
  json: true,
  objectRoot: true,
};

const FILTER_RULES: DataRules = {
  code: 'INVALID_FILTER',
  ...LIMITS.filter,
  maxJsonLength: Infinity,
  json: false,
  objectRoot: false,
};

/**
 * A place in the value: an object or array met on the walk, linked to the
 * one holding it, so that a path is built only for an error message.
 */
interface Place {
  readonly parent: Place | null;
  readonly key: string | number;
  readonly value: object;
  /** Objects and arrays from the root down to this one, this one included. */
  readonly depth: number;
}

function pathOf(place: Place | null, key?: string | number): string {
  const keys: (string | number)[] = key === undefined ? [] : [key];
  for (let p = place; p !== null && p.parent !== null; p = p.parent) keys.push(p.key);
  return keys
    .reverse()
    .map((k) =>
      typeof k === 'number'
        ? `[${k}]`
        : /^[A-Za-z_$][\w$]*$/.test(k)
          ? `.${k}`
          : `[${JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)}]`,
    )
    .join('');
}

type Fail = (place: Place | null, key: string | number | undefined, why: string) => never;

/**
 * Walks metadata or a filter with an explicit stack, never by recursion, so
 * that no depth of nesting can overflow the call stack (Chromium's
 * structured clone in the worker ran out of stack at about 900 levels and
 * lost the message). It accepts plain data only, as both the structured
 * clone to the worker and a JSON save keep it unchanged: plain objects
 * (prototype Object.prototype or null) with enumerable data properties
 * under string keys, arrays without holes or extra properties, strings,
 * numbers, booleans and null. Getters are never called: properties are read
 * through their descriptors. Sizes are counted as it goes, so that a huge
 * value stops early; a cycle (an object inside itself) is told apart when
 * the depth limit is reached, which a cycle always reaches. A Proxy still
 * runs its traps here; copyPlainData rejects it.
 */
function inspectPlainData(root: unknown, rules: DataRules, what: string): void {
  const fail: Fail = (place, key, why) => {
    throw new VicinityError(rules.code, `${what}${pathOf(place, key)} ${why}`);
  };
  try {
    if (rules.objectRoot && !isPlainObject(root)) {
      fail(null, undefined, `must be a plain JSON object, got ${kindOf(root)}`);
    }
    if (typeof root !== 'object' || root === null) {
      checkLeaf(root, rules, null, undefined, fail);
      return;
    }
    const lowerBound = walk(root, rules, fail);
    // The walk counted at least a sixteenth of JSON's length (escapes make a
    // string at most 6 times longer, a number takes up to 24 characters
    // where it counted 1 and its comma): the exact figure only where it matters.
    if (
      rules.maxJsonLength !== Infinity &&
      lowerBound > rules.maxJsonLength / 16 &&
      JSON.stringify(root).length > rules.maxJsonLength
    ) {
      fail(null, undefined, `takes more than ${rules.maxJsonLength} characters as JSON`);
    }
  } catch (error) {
    if (error instanceof VicinityError) throw error;
    // A revoked Proxy, or a Proxy's trap that threw.
    throw new VicinityError(
      rules.code,
      `${what} could not be read as plain data (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

/**
 * The objects and arrays under `root`, depth first; returns a lower bound of
 * the length of its JSON (strings without their escapes, numbers one
 * character), which stops a huge value early.
 */
function walk(root: object, rules: DataRules, fail: Fail): number {
  const stack: Place[] = [{ parent: null, key: '', value: root, depth: 1 }];
  let nodes = 1;
  let json = 0;
  while (stack.length > 0) {
    const place = stack.pop() as Place;
    const { value, depth } = place;
    if (depth > rules.maxDepth) {
      for (let p = place.parent; p !== null; p = p.parent) {
        if (p.value === value) fail(place, undefined, 'contains itself (a cycle)');
      }
      fail(place, undefined, `is nested deeper than ${rules.maxDepth} levels`);
    }
    const visit = (key: string | number, child: unknown) => {
      if (++nodes > rules.maxNodes) {
        fail(null, undefined, `has more than ${rules.maxNodes} values, objects and arrays`);
      }
      if (typeof child === 'object' && child !== null) {
        stack.push({ parent: place, key, value: child, depth: depth + 1 });
        json += 2;
      } else {
        json += checkLeaf(child, rules, place, key, fail);
      }
    };
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) {
        fail(place, undefined, 'is not a plain array');
      }
      const length = value.length;
      if (length > rules.maxArrayLength) {
        fail(place, undefined, `has ${length} elements; at most ${rules.maxArrayLength}`);
      }
      for (let i = 0; i < length; i++) {
        const d = Object.getOwnPropertyDescriptor(value, i);
        if (d === undefined) fail(place, i, 'is a hole; arrays must be dense');
        if (!('value' in d)) fail(place, i, 'is a getter; only data properties are accepted');
        visit(i, d.value);
      }
      // The indices and `length`, nothing else: no extra or symbol properties.
      if (
        Object.getOwnPropertyNames(value).length !== length + 1 ||
        Object.getOwnPropertySymbols(value).length !== 0
      ) {
        const extra = Reflect.ownKeys(value).find(
          (k) => k !== 'length' && !(typeof k === 'string' && /^(0|[1-9]\d*)$/.test(k)),
        );
        const d = extra === undefined ? undefined : Object.getOwnPropertyDescriptor(value, extra);
        // A function stays FUNCTION_FILTER in a filter, wherever it hides.
        if (d && typeof d.value === 'function')
          checkLeaf(d.value, rules, place, String(extra), fail);
        fail(place, undefined, `is an array with a property ${String(extra)} besides its elements`);
      }
      json += 2 + length;
    } else {
      if (!isPlainObject(value)) fail(place, undefined, `is ${kindOf(value)}, not a plain object`);
      // Object.keys is many times faster than Reflect.ownKeys; the others are counted.
      const keys = Object.keys(value);
      const symbols = Object.getOwnPropertySymbols(value);
      if (symbols.length > 0) fail(place, undefined, `has a symbol key ${String(symbols[0])}`);
      if (Object.getOwnPropertyNames(value).length !== keys.length) {
        const hidden = Object.getOwnPropertyNames(value).find((k) => !keys.includes(k)) as string;
        fail(place, hidden, 'is not enumerable; only enumerable properties are kept');
      }
      for (const key of keys) {
        const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
        if (!('value' in d)) fail(place, key, 'is a getter; only data properties are accepted');
        if (key.length > rules.maxStringLength) {
          fail(
            place,
            key,
            `is a key of ${key.length} characters; at most ${rules.maxStringLength}`,
          );
        }
        if (d.value === undefined) {
          // compileFilter skips it, as the cache key does; JSON would drop it.
          if (!rules.json) continue;
          fail(place, key, 'is undefined, which a JSON save drops');
        }
        json += key.length + 3;
        visit(key, d.value);
      }
      json += 2;
    }
    if (json > rules.maxJsonLength) {
      fail(null, undefined, `takes more than ${rules.maxJsonLength} characters as JSON`);
    }
  }
  return json;
}

/** Checks a value that is not an object; returns a lower bound of its JSON length. */
function checkLeaf(
  value: unknown,
  rules: DataRules,
  place: Place | null,
  key: string | number | undefined,
  fail: Fail,
): number {
  switch (typeof value) {
    case 'string':
      if (value.length > rules.maxStringLength) {
        fail(
          place,
          key,
          `is a string of ${value.length} characters; at most ${rules.maxStringLength}`,
        );
      }
      return value.length + 2;
    case 'number':
      if (rules.json && !Number.isFinite(value))
        fail(place, key, `is ${value}, which JSON cannot hold`);
      if (rules.json && Object.is(value, -0))
        fail(place, key, 'is -0, which a JSON save turns into 0');
      return 1;
    case 'boolean':
      return 4;
    case 'object':
      // null
      return 4;
    case 'function':
      if (rules.code === 'INVALID_FILTER') {
        throw new VicinityError(
          'FUNCTION_FILTER',
          `filter${pathOf(place, key)} is a function; filters are plain data such as { genre: 'x', year: { $gte: 1990 } }`,
        );
      }
      return fail(place, key, 'is a function, which cannot cross to the worker');
    case 'undefined':
      // An array element, or the whole filter: an object's undefined property was handled.
      return fail(place, key, 'is undefined, which JSON cannot hold');
    default:
      return fail(place, key, `is a ${typeof value}, which JSON cannot hold`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name: unknown = (
    Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null
  )?.constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Checks a filter's shape and size (LIMITS.filter) without recursion; what
 * its operators mean is compileFilter's to check. Functions give
 * FUNCTION_FILTER, anything else INVALID_FILTER.
 */
export function assertFilterData(filter: unknown): void {
  inspectPlainData(filter, FILTER_RULES, 'filter');
}

/**
 * A copy of data that inspectPlainData accepted, to send instead of the
 * caller's value. structuredClone is the one check a Proxy cannot pass (a
 * Proxy's traps can imitate a plain object to every other test), and the
 * copy is what crosses to the worker, so that a change the caller makes
 * after the call cannot reach it. One clone for a whole batch; only when it
 * fails are the parts cloned one by one, to name the bad one.
 */
export function copyPlainData<T>(
  value: T,
  code: 'INVALID_METADATA' | 'INVALID_FILTER',
  name: (part?: number) => string,
  parts?: readonly unknown[],
): T {
  try {
    return structuredClone(value);
  } catch (error) {
    const bad = parts?.findIndex((part) => {
      try {
        structuredClone(part);
        return false;
      } catch {
        return true;
      }
    });
    throw new VicinityError(
      code,
      `${name(bad === undefined || bad < 0 ? undefined : bad)} cannot be copied to the worker ` +
        `(a Proxy?): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
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

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return String(value);
}
