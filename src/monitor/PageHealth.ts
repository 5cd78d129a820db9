import type { Metric } from 'web-vitals';

export type VitalName = Metric['name'];
export const VITALS: readonly VitalName[] = ['INP', 'LCP', 'CLS', 'FCP', 'TTFB'];

export interface VitalReading {
  /** Milliseconds, except CLS (a unitless score). */
  readonly value: number;
  readonly rating: Metric['rating'];
}

/** A task that held the main thread 50 ms or more. */
export interface LongTask {
  /** performance.now() time the task started. */
  readonly startTime: number;
  readonly duration: number;
  /** The task overlapped vicinity work: a call in flight, or one that ran during it. */
  readonly vicinity: boolean;
}

export interface LongTaskTotals {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

export interface PageHealthSnapshot {
  /** The Core Web Vitals and their helpers, as far as the page has reported them. */
  readonly vitals: Partial<Record<VitalName, VitalReading>>;
  readonly longTasks: LongTaskTotals & {
    /** The share that overlapped vicinity work. */
    readonly vicinity: LongTaskTotals;
    /** The latest ones, oldest first. */
    readonly recent: readonly LongTask[];
    /** Whether this browser reports long tasks at all. */
    readonly observed: boolean;
  };
}

/** Something that can tell whether it was working in a span of time (a PerformanceMonitor is one). */
export interface WorkSource {
  overlapsWork(start: number, end: number): boolean;
}

/** A long task: the first two fields of a PerformanceEntry of type `longtask`. */
export interface LongTaskEntry {
  readonly startTime: number;
  readonly duration: number;
}

interface MutableTotals {
  count: number;
  totalMs: number;
  maxMs: number;
}

const addTo = (totals: MutableTotals, duration: number) => {
  totals.count++;
  totals.totalMs += duration;
  totals.maxMs = Math.max(totals.maxMs, duration);
};

let shared: PageHealth | undefined;

/**
 * How the page feels: web-vitals (INP, LCP, CLS, FCP, TTFB) and long tasks,
 * with the long tasks that overlapped vicinity work told apart from the rest.
 * One per page (`PageHealth.shared()`); every open index's monitor is a work
 * source of it.
 */
export class PageHealth {
  readonly #recentSize: number;
  readonly #vitals: Partial<Record<VitalName, VitalReading>> = {};
  readonly #all: MutableTotals = { count: 0, totalMs: 0, maxMs: 0 };
  readonly #vicinity: MutableTotals = { count: 0, totalMs: 0, maxMs: 0 };
  #recent: LongTask[] = [];
  #observed = false;
  #started = false;
  readonly #sources = new Set<WorkSource>();
  readonly #listeners = new Set<() => void>();

  constructor(options: { recentSize?: number } = {}) {
    this.#recentSize = options.recentSize ?? 50;
  }

  /**
   * The page's instance. It observes from the first time it is read
   * (`snapshot()`, `onChange()`: the dashboard, an export), not from the
   * first `open`: a page that never looks at its health registers no
   * observer. What the browser buffers from before (LCP, FCP, CLS, TTFB,
   * long tasks, interactions of 104 ms and more) is still reported.
   */
  static shared(): PageHealth {
    shared ??= new PageHealth();
    return shared;
  }

  /** Whether the observers are registered. */
  get observing(): boolean {
    return this.#started;
  }

  /** Starts observing web-vitals and long tasks (once; a no-op without a document or PerformanceObserver). */
  start(): void {
    // Only a page has vitals: no document (a worker, Node), nothing to observe.
    if (
      this.#started ||
      typeof PerformanceObserver === 'undefined' ||
      typeof document === 'undefined'
    )
      return;
    this.#started = true;
    const report = (metric: Metric) => {
      this.#vitals[metric.name] = { value: metric.value, rating: metric.rating };
      this.#changed();
    };
    // Every change, so a live view moves as the page is used rather than on hide.
    // web-vitals is fetched only now: a page that never reads its health
    // downloads none of it. What happened before is in the browser's buffers.
    const options = { reportAllChanges: true };
    void import('web-vitals').then(
      ({ onCLS, onFCP, onINP, onLCP, onTTFB }) => {
        onINP(report, { ...options, durationThreshold: 16 });
        onLCP(report, options);
        onCLS(report, options);
        onFCP(report, options);
        onTTFB(report, options);
      },
      () => undefined, // no vitals where the module cannot load (offline without a cache)
    );
    if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
      this.#observed = true;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.addLongTask(entry);
      }).observe({ type: 'longtask', buffered: true });
    }
  }

  /**
   * Counts a long task, attributed to vicinity when a work source was busy
   * during it. The observer calls this; it is public so that tasks measured
   * elsewhere can be counted too.
   */
  addLongTask(entry: LongTaskEntry): LongTask {
    const end = entry.startTime + entry.duration;
    const vicinity = [...this.#sources].some((s) => s.overlapsWork(entry.startTime, end));
    const task = { startTime: entry.startTime, duration: entry.duration, vicinity };
    addTo(this.#all, task.duration);
    if (vicinity) addTo(this.#vicinity, task.duration);
    this.#recent.push(task);
    if (this.#recent.length > this.#recentSize) this.#recent.shift();
    this.#changed();
    return task;
  }

  /** Lets long tasks be attributed to a source's work. Returns a function that removes it. */
  addWorkSource(source: WorkSource): () => void {
    this.#sources.add(source);
    return () => this.#sources.delete(source);
  }

  /** Called when a vital or a long task is reported; starts observing. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.start();
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What was observed so far; the first call starts observing. */
  snapshot(): PageHealthSnapshot {
    this.start();
    return {
      vitals: { ...this.#vitals },
      longTasks: {
        ...this.#all,
        vicinity: { ...this.#vicinity },
        recent: [...this.#recent],
        observed: this.#observed,
      },
    };
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
