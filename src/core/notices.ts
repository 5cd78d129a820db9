/**
 * Messages the index worker sends of its own accord, beside Comlink's
 * replies. A message that arrives with no data (Chromium's structured clone
 * can run out of stack on deeply nested values and deliver `null` without a
 * `messageerror`) is dropped by Comlink, so its call would never be
 * answered; the worker reports it instead, once every call before it is
 * answered, and the page fails that call alone.
 */
export const UNDELIVERABLE = 'undeliverable';

export interface WorkerNotice {
  readonly vicinity: typeof UNDELIVERABLE;
}

export function isUndeliverable(data: unknown): data is WorkerNotice {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === UNDELIVERABLE
  );
}

/**
 * The call the worker is running waits for a Web Lock that another tab or
 * worker holds (`waiting: true`), or has got it (`waiting: false`). A worker
 * that waits is not hung: the page stops that call's deadline meanwhile.
 */
export const LOCK_WAIT = 'lock-wait';

export interface LockWaitNotice {
  readonly vicinity: typeof LOCK_WAIT;
  readonly waiting: boolean;
}

export function isLockWait(data: unknown): data is LockWaitNotice {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === LOCK_WAIT &&
    typeof (data as { waiting?: unknown }).waiting === 'boolean'
  );
}
