import { VicinityError, type VicinityErrorCode } from '../core/VicinityError.js';

/**
 * Rejects with a VicinityError if `promise` has not settled after `ms`.
 * IndexedDB and IDBFS can leave promises pending forever (a sync that hits
 * the quota never calls back), so every such wait goes through here.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  code: VicinityErrorCode = 'TIMEOUT',
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new VicinityError(code, `${what} did not finish within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
