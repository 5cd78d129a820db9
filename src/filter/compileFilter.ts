import { VicinityError } from '../core/VicinityError.js';
import type { FieldOperators, Filter, JsonValue, Metadata, Scalar } from '../core/types.js';
import { assertFilterData } from '../validation/plainData.js';

/** A compiled filter: true when an item's metadata matches. */
export type Predicate = (metadata: Metadata | undefined) => boolean;

const FIELD_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function invalid(path: string, why: string): VicinityError {
  return new VicinityError('INVALID_FILTER', `filter${path}: ${why}`);
}

/**
 * Validates a declarative filter and compiles it into a predicate over
 * metadata. Semantics follow MongoDB's where they overlap: a bare value is
 * `$eq`; a metadata array matches `$eq`/`$in` when any element does; `$ne`
 * and `$nin` match items that lack the field; ranges compare numbers with
 * numbers and strings with strings only.
 *
 * It runs on the page and again in the worker. The shape and size of the
 * filter are checked first without recursion (LIMITS.filter): the
 * recursive compile below, and the predicate it builds, then go no deeper
 * than LIMITS.filter.maxDepth.
 */
export function compileFilter(filter: unknown): Predicate {
  assertFilterData(filter);
  return compileNode(filter, '');
}

/** Checks a filter as compileFilter does (INVALID_FILTER), for the page, which only sends it. */
export function assertFilter(filter: unknown): asserts filter is Filter {
  compileFilter(filter);
}

function compileNode(node: unknown, path: string): Predicate {
  if (!isPlainObject(node)) throw invalid(path, 'must be a plain object');
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) {
        throw invalid(`${path}.${key}`, 'must be a non-empty array of filters');
      }
      const children = value.map((child, i) => compileNode(child, `${path}.${key}[${i}]`));
      parts.push(
        key === '$and' ? (m) => children.every((p) => p(m)) : (m) => children.some((p) => p(m)),
      );
    } else if (key.startsWith('$')) {
      throw invalid(`${path}.${key}`, `unknown operator ${key}`);
    } else {
      parts.push(compileField(key, value, `${path}.${key}`));
    }
  }
  return (m) => parts.every((p) => p(m));
}

function compileField(field: string, condition: unknown, path: string): Predicate {
  if (isScalar(condition)) return fieldTest(field, (v) => anyEquals(v, condition), false);
  if (!isPlainObject(condition)) {
    throw invalid(path, 'must be a string, number, boolean, null or an object of operators');
  }
  const tests: Predicate[] = [];
  for (const [op, operand] of Object.entries(condition as FieldOperators)) {
    if (operand === undefined) continue;
    if (!FIELD_OPERATORS.has(op)) throw invalid(`${path}.${op}`, `unknown operator ${op}`);
    tests.push(compileOperator(field, op, operand, `${path}.${op}`));
  }
  if (tests.length === 0) throw invalid(path, 'has no operator');
  return (m) => tests.every((t) => t(m));
}

function compileOperator(field: string, op: string, operand: unknown, path: string): Predicate {
  switch (op) {
    case '$eq':
    case '$ne': {
      if (!isScalar(operand)) throw invalid(path, 'must be a string, number, boolean or null');
      const test = fieldTest(field, (v) => anyEquals(v, operand), false);
      return op === '$eq' ? test : (m) => !test(m);
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || !operand.every(isScalar)) {
        throw invalid(path, 'must be an array of strings, numbers, booleans or null');
      }
      const set = new Set<Scalar>(operand);
      const test = fieldTest(field, (v) => anyIn(v, set), false);
      return op === '$in' ? test : (m) => !test(m);
    }
    default: {
      if (!(
        typeof operand === 'string' ||
        (typeof operand === 'number' && Number.isFinite(operand))
      )) {
        throw invalid(path, 'must be a finite number or a string');
      }
      const compare = RANGE[op as keyof typeof RANGE];
      return fieldTest(
        field,
        (v) => typeof v === typeof operand && compare(v as never, operand as never),
        false,
      );
    }
  }
}

const RANGE = {
  $gt: (a: number | string, b: number | string) => a > b,
  $gte: (a: number | string, b: number | string) => a >= b,
  $lt: (a: number | string, b: number | string) => a < b,
  $lte: (a: number | string, b: number | string) => a <= b,
};

function fieldTest(
  field: string,
  test: (value: JsonValue) => boolean,
  missing: boolean,
): Predicate {
  return (m) => {
    if (m === undefined || !Object.hasOwn(m, field)) return missing;
    return test(m[field] as JsonValue);
  };
}

function anyEquals(value: JsonValue, operand: Scalar): boolean {
  return Array.isArray(value) ? value.some((v) => v === operand) : value === operand;
}

function anyIn(value: JsonValue, set: Set<Scalar>): boolean {
  return Array.isArray(value)
    ? value.some((v) => isScalar(v) && set.has(v))
    : isScalar(value) && set.has(value);
}
