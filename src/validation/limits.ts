/**
 * The documented input limits (README, "Input limits"): one frozen object,
 * read by the checks and exported by the package.
 */

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
