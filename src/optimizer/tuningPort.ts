import { TUNING, type Tunable, type TuningPort } from '../client/tuning.js';
import { VicinityError } from '../core/VicinityError.js';

/** The tuning port of a Tunable (a VectorIndex); anything else fails with INVALID_OPTIONS, not a TypeError. */
export function tuningPort(index: unknown): TuningPort {
  const tunable = index as Partial<Tunable> | null | undefined;
  if (typeof tunable?.[TUNING] !== 'function')
    throw new VicinityError('INVALID_OPTIONS', 'this needs a VectorIndex');
  return tunable[TUNING]();
}
