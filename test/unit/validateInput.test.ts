import { describe, expect, it } from 'vitest';
import { codeOf } from '../support/codeOf.js';
import { assertEf, assertK, packItems } from '../../src/validation/validateInput.js';

describe('packItems', () => {
  it('packs a batch into one Float32Array without keeping the callers arrays', () => {
    const v = new Float32Array([1, 2, 3]);
    const packed = packItems(
      [
        { id: 'a', vector: v },
        { id: 'b', vector: [4, 5, 6], metadata: { g: 1 } },
      ],
      3,
      'l2',
    );
    expect(Array.from(packed.vectors)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(packed.vectors.buffer).not.toBe(v.buffer);
    expect(packed.ids).toEqual(['a', 'b']);
    expect(packed.metadata).toEqual([undefined, { g: 1 }]);
  });

  it.each([
    [[{ id: 'a', vector: [1, 2] }], 'DIMENSION_MISMATCH'],
    [[{ id: 'a', vector: [1, NaN, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, Infinity, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, 1e39, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, '2', 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: 'abc' }], 'INVALID_VECTOR'],
    [[{ id: '', vector: [1, 2, 3] }], 'INVALID_ID'],
    [[{ id: 7, vector: [1, 2, 3] }], 'INVALID_ID'],
    [[{ vector: [1, 2, 3] }], 'INVALID_ID'],
    [[null], 'INVALID_ID'],
    ['not an array', 'INVALID_ID'],
    [
      [
        { id: 'a', vector: [1, 2, 3] },
        { id: 'a', vector: [1, 2, 3] },
      ],
      'DUPLICATE_ID',
    ],
    [[{ id: 'a', vector: [1, 2, 3], metadata: [1] }], 'INVALID_METADATA'],
    [[{ id: 'a', vector: [1, 2, 3], metadata: { d: new Date() } }], 'INVALID_METADATA'],
    [[{ id: 'a', vector: [1, 2, 3], metadata: { n: NaN } }], 'INVALID_METADATA'],
  ])('rejects %j with %s', (items, code) => {
    expect(codeOf(() => packItems(items, 3, 'l2'))).toBe(code);
  });

  it('rejects a zero vector for cosine only', () => {
    expect(codeOf(() => packItems([{ id: 'a', vector: [0, 0, 0] }], 3, 'cosine'))).toBe(
      'INVALID_VECTOR',
    );
    expect(codeOf(() => packItems([{ id: 'a', vector: [0, 0, 0] }], 3, 'l2'))).toBeUndefined();
  });
});

describe('assertK and assertEf', () => {
  it.each([0, -1, 1.5, NaN, '3', undefined, 2 ** 31])('k = %s is INVALID_K', (k) => {
    expect(codeOf(() => assertK(k))).toBe('INVALID_K');
  });
  it('accepts positive integers', () => {
    expect(codeOf(() => assertK(1))).toBeUndefined();
    expect(codeOf(() => assertEf(512))).toBeUndefined();
    expect(codeOf(() => assertEf(0))).toBe('INVALID_EF');
  });
});
