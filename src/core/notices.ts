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
