import type { Quantization } from '../core/types.js';
import { CODE_HEADER_BYTES, vectorDataBytes } from '../core/memoryModel.js';

export { vectorDataBytes };

/*
 * int8 scalar quantisation, as native/int8_space.h stores it: each element's
 * data is [f32 scale][f32 squared norm of the dequantised vector][dim int8
 * codes], with codes = round(v_i / max|v| · 127) and v_i ≈ scale · code_i.
 * The engine quantises what is upserted; this side recodes whole files on
 * import and export, with the same float32 steps so both give the same bytes.
 */

/** The dimensions that `dataBytes` of vector data hold, or undefined where no whole number fits. */
export function dimensionsOf(dataBytes: number, quantization: Quantization): number | undefined {
  const dimensions = quantization === 'int8' ? dataBytes - CODE_HEADER_BYTES : dataBytes / 4;
  return Number.isInteger(dimensions) && dimensions > 0 ? dimensions : undefined;
}

/** Rounds half to even, as C's nearbyint in the default rounding mode. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Writes the int8 element data of `vector` at `out[at]` (`8 + length` bytes).
 * A vector holding NaN gets a NaN scale, so that its decoded form fails the
 * checks that float32 input would fail.
 */
export function encodeInt8(vector: Float32Array, out: Uint8Array, at = 0): void {
  let max = 0;
  for (const x of vector) max = Number.isNaN(x) ? NaN : Math.max(max, Math.abs(x));
  const scale = Math.fround(max / 127);
  const inverse = max > 0 ? Math.fround(127 / max) : 0;
  const codes = new Int8Array(out.buffer, out.byteOffset + at + CODE_HEADER_BYTES, vector.length);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const q = Math.min(
      127,
      Math.max(-127, roundHalfEven(Math.fround((vector[i] as number) * inverse))),
    );
    const code = Number.isNaN(q) ? 0 : q;
    codes[i] = code;
    norm += code * code;
  }
  const header = new DataView(out.buffer, out.byteOffset + at, CODE_HEADER_BYTES);
  header.setFloat32(0, scale, true);
  header.setFloat32(4, Math.fround(Math.fround(scale * scale) * norm), true);
}

/** The dequantised vector of the int8 element data at `bytes[at]`. */
export function decodeInt8(
  bytes: Uint8Array,
  at: number,
  dimensions: number,
  out = new Float32Array(dimensions),
): Float32Array {
  const scale = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true);
  const codes = new Int8Array(bytes.buffer, bytes.byteOffset + at + CODE_HEADER_BYTES, dimensions);
  for (let i = 0; i < dimensions; i++) out[i] = scale * (codes[i] as number);
  return out;
}
