import { VicinityError } from './VicinityError.js';
import type { EngineParams } from './protocol.js';

/** The parameters an index is built with, fixed once it is created. */
export const BUILD_KEYS = ['dimensions', 'metric', 'M', 'efConstruction', 'quantization'] as const;

/**
 * The one compatibility check, on the page (against a copy open there) and
 * in the worker (against what is stored): every parameter the caller set
 * must be the index's own, or INCOMPATIBLE_OPTIONS names each that is not.
 */
export function assertSameBuild(
  name: string,
  requested: { readonly [K in keyof EngineParams]?: EngineParams[K] | undefined },
  existing: EngineParams,
): void {
  const clashes = BUILD_KEYS.filter(
    (key) => requested[key] !== undefined && requested[key] !== existing[key],
  ).map((key) => `${key} ${String(requested[key])} (the index has ${String(existing[key])})`);
  if (clashes.length > 0) {
    throw new VicinityError(
      'INCOMPATIBLE_OPTIONS',
      `index "${name}" exists with other build parameters: ${clashes.join(', ')}`,
    );
  }
}
