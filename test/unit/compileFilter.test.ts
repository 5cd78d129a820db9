import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFilter } from '../../src/filter/compileFilter.js';
import { codeOf } from '../support/codeOf.js';
import type { Metadata } from '../../src/core/types.js';
import { LIMITS } from '../../src/validation/limits.js';

const book: Metadata = { genre: 'x', year: 1994, title: 'Zed', tags: ['a', 'b'], rare: null };

describe('compileFilter', () => {
  it.each([
    [{ genre: 'x' }, true],
    [{ genre: 'y' }, false],
    [{ genre: { $eq: 'x' } }, true],
    [{ genre: { $ne: 'x' } }, false],
    [{ missing: { $ne: 'x' } }, true],
    [{ missing: 'x' }, false],
    [{ year: { $gte: 1990 } }, true],
    [{ year: { $gt: 1994 } }, false],
    [{ year: { $lt: 1995, $gt: 1993 } }, true],
    [{ year: { $lte: 1993 } }, false],
    [{ year: { $gt: '1000' } }, false],
    [{ title: { $gte: 'A', $lt: 'a' } }, true],
    [{ genre: { $in: ['y', 'x'] } }, true],
    [{ genre: { $nin: ['y', 'x'] } }, false],
    [{ missing: { $nin: ['y'] } }, true],
    [{ tags: 'b' }, true],
    [{ tags: { $in: ['c', 'a'] } }, true],
    [{ tags: { $ne: 'a' } }, false],
    [{ rare: null }, true],
    [{ $or: [{ genre: 'y' }, { year: 1994 }] }, true],
    [{ $and: [{ genre: 'x' }, { year: 1995 }] }, false],
    [{ $or: [{ $and: [{ genre: 'x' }, { tags: 'a' }] }, { year: 1 }] }, true],
    [{}, true],
  ])('%j matches: %s', (filter, expected) => {
    expect(compileFilter(filter)(book)).toBe(expected);
  });

  it('treats items without metadata as lacking every field', () => {
    expect(compileFilter({ genre: 'x' })(undefined)).toBe(false);
    expect(compileFilter({ genre: { $ne: 'x' } })(undefined)).toBe(true);
  });

  it.each([
    [{ genre: { $regex: 'x' } }, 'INVALID_FILTER'],
    [{ $not: { genre: 'x' } }, 'INVALID_FILTER'],
    [{ $or: [] }, 'INVALID_FILTER'],
    [{ $and: {} }, 'INVALID_FILTER'],
    [{ genre: { nested: 1 } }, 'INVALID_FILTER'],
    [{ genre: {} }, 'INVALID_FILTER'],
    [{ genre: [1, 2] }, 'INVALID_FILTER'],
    [{ year: { $gt: NaN } }, 'INVALID_FILTER'],
    [{ year: { $in: 3 } }, 'INVALID_FILTER'],
    [{ year: { $in: [{}] } }, 'INVALID_FILTER'],
    ['genre', 'INVALID_FILTER'],
    [null, 'INVALID_FILTER'],
    [() => true, 'FUNCTION_FILTER'],
    [{ genre: () => true }, 'FUNCTION_FILTER'],
    [{ $or: [{ genre: { $eq: () => 'x' } }] }, 'FUNCTION_FILTER'],
  ])('rejects %s with %s', (filter, code) => {
    expect(codeOf(() => compileFilter(filter))).toBe(code);
  });

  it('agrees with a direct evaluation for random ranges and sets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 5 }),
        fc.integer({ min: -5, max: 5 }),
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 4 }),
        fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
        (lo, hi, set, value) => {
          const metadata: Metadata | undefined = value === undefined ? {} : { v: value };
          const range = compileFilter({ v: { $gte: lo, $lt: hi } })(metadata);
          const member = compileFilter({ $or: [{ v: { $in: set } }, { v: { $nin: set } }] })(
            metadata,
          );
          expect(range).toBe(value !== undefined && value >= lo && value < hi);
          // $nin matches a missing field, so the union always holds.
          expect(member).toBe(true);
          expect(compileFilter({ v: { $in: set } })(metadata)).toBe(
            value !== undefined && set.includes(value),
          );
        },
      ),
    );
  });
});

/** `levels` times { $and: [ … ] } around `leaf`: 2 * levels + the leaf's depth. */
function andChain(levels: number, leaf: Record<string, unknown> = { genre: 'x' }) {
  let f: Record<string, unknown> = leaf;
  for (let i = 0; i < levels; i++) f = { $and: [f] };
  return f;
}

describe('compileFilter limits (LIMITS.filter)', () => {
  const { maxDepth, maxNodes, maxArrayLength, maxStringLength } = LIMITS.filter;
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const cyclic: Record<string, unknown[]> = { $or: [] };
  cyclic.$or!.push(cyclic);

  it('compiles a filter at every limit, with its usual meaning', () => {
    const deepest = andChain(maxDepth / 2 - 1, { year: { $gte: 1990 } });
    expect(compileFilter(deepest)(book)).toBe(true);
    expect(compileFilter(andChain(maxDepth / 2 - 1, { year: { $lt: 1990 } }))(book)).toBe(false);
    const set = Array.from({ length: maxArrayLength }, (_, i) => `g${i}`);
    expect(compileFilter({ genre: { $in: [...set.slice(1), 'x'] } })(book)).toBe(true);
    expect(compileFilter({ title: 'Z'.repeat(maxStringLength) })(book)).toBe(false);
  });

  it.each([
    [`depth ${maxDepth + 1}`, andChain(maxDepth / 2)],
    ['depth 1,001', andChain(500)],
    ['depth 200,001', andChain(100_000)],
    ['a cycle', cyclic],
    [
      `$in of ${maxArrayLength + 1}`,
      { genre: { $in: Array.from({ length: maxArrayLength + 1 }, String) } },
    ],
    [
      `more than ${maxNodes} nodes`,
      { $or: Array.from({ length: maxArrayLength }, (_, n) => ({ n })) },
    ],
    [`a string of ${maxStringLength + 1}`, { genre: 'x'.repeat(maxStringLength + 1) }],
    [`a field name of ${maxStringLength + 1}`, { ['f'.repeat(maxStringLength + 1)]: 1 }],
    ['a getter', Object.defineProperty({}, 'genre', { get: () => 'x', enumerable: true })],
    ['a symbol key', { genre: 'x', [Symbol('s')]: 1 }],
    ['an $in with an extra property', { genre: { $in: Object.assign(['x'], { extra: 1 }) } }],
    ['an $in with a hole', { genre: { $in: Object.assign(new Array(2), { 1: 'x' }) } }],
    ['a non-enumerable key', Object.defineProperty({ genre: 'x' }, 'year', { value: 1 })],
    ['a revoked Proxy', revoked.proxy],
  ])('refuses %s with INVALID_FILTER, without recursion', (_, filter) => {
    expect(codeOf(() => compileFilter(filter))).toBe('INVALID_FILTER');
  });

  it('still finds a function anywhere: FUNCTION_FILTER', () => {
    expect(
      codeOf(() => compileFilter({ genre: { $in: Object.assign(['x'], { f: () => 1 }) } })),
    ).toBe('FUNCTION_FILTER');
    expect(() => compileFilter({ $or: [{ genre: 'x' }, { year: { $gt: () => 1 } }] })).toThrow(
      'filter.$or[1].year.$gt is a function',
    );
  });

  it('refuses any nesting past the limit and nothing within it, whatever its shape', () => {
    const leaf = fc.constantFrom<Record<string, unknown>>(
      { genre: 'x' },
      { year: { $gte: 1990 } },
      { tags: { $in: ['a'] } },
    );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 40 })
          .chain((n) => fc.array(fc.constantFrom('$and', '$or'), { minLength: n, maxLength: n })),
        leaf,
        (ops, inner) => {
          let filter = inner;
          for (const op of ops) filter = { [op]: [filter] };
          // Each $and/$or adds an object and an array; the leaf counts its own objects and arrays.
          const depthOf = (value: unknown): number =>
            typeof value === 'object' && value !== null
              ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
              : 0;
          const depth = 2 * ops.length + depthOf(inner);
          expect(codeOf(() => compileFilter(filter))).toBe(
            depth > maxDepth ? 'INVALID_FILTER' : undefined,
          );
        },
      ),
    );
  });
});
