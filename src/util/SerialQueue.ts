/**
 * Runs tasks one at a time, in the order they were queued. A failed task
 * does not stop the ones after it.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#queued++;
    const next = this.#tail.then(task, task);
    // Settles before any reaction the caller adds to `next`: a task's own
    // callbacks already see the queue without it.
    const settled = () => {
      this.#queued--;
    };
    this.#tail = next.then(settled, settled);
    return next;
  }

  /** No task is running or waiting. */
  get idle(): boolean {
    return this.#queued === 0;
  }
}
