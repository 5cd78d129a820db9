import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFilter } from '../../src/filter/compileFilter.js';
import { codeOf } from '../support/codeOf.js';
import type { Metadata } from '../../src/types.js';

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
