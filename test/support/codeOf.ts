import { VicinityError } from '../../src/core/VicinityError.js';

/** The VicinityError code `run` throws, or undefined when it returns. */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof VicinityError ? error.code : 'not a VicinityError';
  }
  return undefined;
}
