import { VicinityError } from '../core/VicinityError.js';
import type { VectorLike } from '../core/types.js';
import { VariantPool, type VariationOptions } from './VariantPool.js';

export type { VariationOptions };

/** Queries and variants `queryVariations` makes at most: a load test makes its own lazily. */
export const MAX_MATERIALISED_VARIANTS = 100_000;

/**
 * Test queries from the queries given, all at once: each one, then
 * `perQuery` variants of it (see VariantPool, which the load tester uses to
 * make them one at a time instead). At most 100,000 in all, else
 * INVALID_OPTIONS.
 */
export function queryVariations(
  queries: readonly (VectorLike | string)[],
  options: VariationOptions = {},
): (Float32Array | string)[] {
  if (!Array.isArray(queries))
    throw new VicinityError('INVALID_OPTIONS', 'queries must be an array');
  const copies = queries.map((query, i) => {
    if (typeof query === 'string') return query;
    if (!(query instanceof Float32Array) && !Array.isArray(query))
      throw new VicinityError('INVALID_OPTIONS', `queries[${i}] must be a vector or a text`);
    return Float32Array.from(query);
  });
  const pool = new VariantPool(copies, options);
  if (pool.size > MAX_MATERIALISED_VARIANTS)
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${copies.length} queries × ${pool.perQuery + 1} make ${pool.size} queries and variants, over ${MAX_MATERIALISED_VARIANTS}`,
    );
  const out: (Float32Array | string)[] = [];
  for (let q = 0; q < copies.length; q++)
    for (let v = 0; v <= pool.perQuery; v++) out.push(pool.variant(q, v));
  return out;
}
