/**
 * Checks of plain data, metadata and filters (LIMITS.metadata,
 * LIMITS.filter), walked without recursion, and the copy of it that crosses
 * to the worker.
 */
import { VicinityError } from '../core/VicinityError.js';
import type { Metadata } from '../core/types.js';
import { kindOf } from './describeValue.js';
import { LIMITS } from './limits.js';

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
