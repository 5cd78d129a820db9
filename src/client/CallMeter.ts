import { toVicinityError } from '../core/VicinityError.js';
import type { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import type { Operation } from '../monitor/operations.js';

/** A result with what the monitor records beside it. */
export interface Measured<T> {
  readonly value: T;
  /** The worker's own compute time, when the call reached it. */
  readonly workerMs?: number;
  readonly cached?: boolean;
}

/**
 * Times the page's calls into the monitor and counts those in flight (the
 * cache warmer stops while there are any).
 */
export class CallMeter {
  readonly #monitor: PerformanceMonitor;
  #inFlight = 0;

  constructor(monitor: PerformanceMonitor) {
    this.#monitor = monitor;
  }

  /** Whether a call of the page is running. */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Counts a call while it runs, without recording it. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await call();
    } finally {
      this.#inFlight--;
    }
  }

  /** Runs a call and records what the caller waited, the worker's share, and how it ended. */
  async measure<T>(
    operation: Operation,
    efSearch: number | undefined,
    run: () => Promise<Measured<T>>,
  ): Promise<T> {
    const monitor = this.#monitor;
    const startedAt = monitor.begin();
    // Counted in flight here rather than through track(): one async frame less on every search.
    this.#inFlight++;
    try {
      const { value, workerMs, cached } = await run();
      monitor.record({
        operation,
        startedAt,
        totalMs: monitor.now() - startedAt,
        workerMs,
        cached,
        efSearch,
      });
      return value;
    } catch (error) {
      monitor.record({
        operation,
        startedAt,
        totalMs: monitor.now() - startedAt,
        error: toVicinityError(error, 'ENGINE_ERROR').code,
        efSearch,
      });
      throw error;
    } finally {
      this.#inFlight--;
    }
  }
}
