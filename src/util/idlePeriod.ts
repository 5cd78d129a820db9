/** Resolves in an idle period of the page (requestIdleCallback), or in the next task where there is none. */
export function idlePeriod(timeoutMs?: number): Promise<void> {
  return new Promise((resolve) => {
    onIdle(() => resolve(), timeoutMs);
  });
}

/**
 * Calls `callback` in an idle period, at most `timeoutMs` later (where
 * requestIdleCallback is missing: after a short timer). Returns a function
 * that cancels it.
 */
export function onIdle(callback: () => void, timeoutMs?: number): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(
      callback,
      timeoutMs === undefined ? {} : { timeout: timeoutMs },
    );
    return () => cancelIdleCallback(handle);
  }
  const timer = setTimeout(callback, 0);
  return () => clearTimeout(timer);
}
