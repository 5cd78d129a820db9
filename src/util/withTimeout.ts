import { VicinityError, type VicinityErrorCode } from '../core/VicinityError.js';

/**
 * Rejects with a VicinityError if `promise` has not settled after `ms`: the
 * one deadline of the package. IndexedDB and IDBFS can leave promises
 * pending forever (a sync that hits the quota never calls back), and a
 * worker or an embed function may never answer, so every such wait goes
 * through here. `what` names the wait in the message (or is the message,
 * given as a function); `onTimeout` runs when the deadline passes.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string | (() => string),
  code: VicinityErrorCode = 'TIMEOUT',
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const message = () =>
      typeof what === 'function' ? what() : `${what} did not finish within ${ms} ms`;
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new VicinityError(code, message()));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // As it is: a worker's failure crosses as plain data that its caller decodes.
        reject(error);
      },
    );
  });
}
