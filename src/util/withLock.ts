/**
 * Runs `task` holding an exclusive Web Lock: across every tab and worker of
 * the origin, one holder at a time. Where Web Locks are missing, the task
 * runs unguarded.
 */
export async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return task();
  return locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
}
