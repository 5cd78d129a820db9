/** Told when a lock is taken elsewhere and this context waits for it, and when it got it. */
export type LockWaitListener = (waiting: boolean) => void;

let lockWaitListener: LockWaitListener | undefined;

/**
 * Sets the one listener of this context (the index worker reports waits to
 * the page, which stops the waiting call's deadline meanwhile).
 */
export function onLockWait(listener: LockWaitListener | undefined): void {
  lockWaitListener = listener;
}

const NOT_FREE = Symbol('not free');

/**
 * Runs `task` holding an exclusive Web Lock: across every tab and worker of
 * the origin, one holder at a time. Where Web Locks are missing, the task
 * runs unguarded. With a lock-wait listener set, a lock held elsewhere is
 * reported before the wait for it and again once it is granted.
 */
export async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return task();
  const listener = lockWaitListener;
  if (!listener) return locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
  const free = (await locks.request(name, { mode: 'exclusive', ifAvailable: true }, (lock) =>
    lock ? task() : NOT_FREE,
  )) as T | typeof NOT_FREE;
  if (free !== NOT_FREE) return free;
  listener(true);
  return locks.request(name, { mode: 'exclusive' }, () => {
    listener(false);
    return task();
  }) as Promise<T>;
}
