import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeInt8,
  dimensionsOf,
  encodeInt8,
  vectorDataBytes,
} from '../../src/native/int8Codes.js';

function encoded(vector: number[]) {
  const v = Float32Array.from(vector);
  const out = new Uint8Array(vectorDataBytes(v.length, 'int8'));
  encodeInt8(v, out);
  const header = new DataView(out.buffer);
  return {
    scale: header.getFloat32(0, true),
    norm: header.getFloat32(4, true),
    codes: Array.from(new Int8Array(out.buffer, 8)),
    decoded: decodeInt8(out, 0, v.length),
  };
}

describe('int8 codes', () => {
  it('sizes element data: 8 + dimensions bytes for int8, 4 · dimensions for float32', () => {
    expect(vectorDataBytes(384, 'int8')).toBe(392);
    expect(vectorDataBytes(384, 'none')).toBe(1536);
    expect(dimensionsOf(392, 'int8')).toBe(384);
    expect(dimensionsOf(1536, 'none')).toBe(384);
    expect(dimensionsOf(1537, 'none')).toBeUndefined();
    expect(dimensionsOf(8, 'int8')).toBeUndefined();
  });

  it('maps the largest component to ±127 and scales by max / 127', () => {
    const { scale, codes } = encoded([0.5, -1, 0.25, 0]);
    expect(scale).toBeCloseTo(1 / 127, 7);
    expect(codes).toEqual([64, -127, 32, 0]);
  });

  it('rounds half to even, as nearbyint in the engine', () => {
    // With a largest component of 127 the step is 1, so 2.5 and 3.5 are exact halves.
    expect(encoded([127, 2.5, 3.5, -2.5]).codes).toEqual([127, 2, 4, -2]);
  });

  it('stores the squared norm of the dequantised vector', () => {
    const { norm, decoded } = encoded([0.3, -0.7, 0.1, 0.9, -0.2]);
    const want = decoded.reduce((sum, x) => sum + x * x, 0);
    expect(norm).toBeCloseTo(want, 6);
  });

  it('keeps a zero vector zero', () => {
    const { scale, norm, codes } = encoded([0, 0, 0]);
    expect({ scale, norm, codes }).toEqual({ scale: 0, norm: 0, codes: [0, 0, 0] });
  });

  it('decodes a NaN vector to NaN, so that checks on it fail as on float32', () => {
    expect(Number.isNaN(encoded([1, NaN, 0.5]).decoded[0])).toBe(true);
  });

  it('decodes every component within half a step of the original', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 64 }),
        (vector) => {
          const v = Float32Array.from(vector);
          const { scale, decoded } = encoded(Array.from(v));
          v.forEach((x, i) => {
            expect(Math.abs(x - (decoded[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-6);
          });
        },
      ),
    );
  });
});
