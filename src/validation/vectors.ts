/**
 * Checks of vectors as the engine computes with them (LIMITS.vector): one
 * vector from the caller, copied as it is checked, or a packed block that
 * arrived in the worker.
 */
import { VicinityError } from '../core/VicinityError.js';
import type { Metric, VectorLike } from '../core/types.js';
import { describe } from './describeValue.js';
import { LIMITS } from './limits.js';

/** 2^-40 as text people can check: the exponent and about what it is. */
function power(x: number): string {
  const exponent = Math.log2(x);
  return `2^${exponent} ≈ ${x.toPrecision(2)}`;
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
