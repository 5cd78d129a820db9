import type { LiveQuery, TuningPort } from '../client/tuning.js';
import type { Tunable } from '../client/tuning.js';
import { canonicalJson } from '../cache/cacheKey.js';
import { toVicinityError } from '../core/VicinityError.js';
import { OptionReader } from './OptionReader.js';
import { tuningPort } from './tuningPort.js';
import type { Filter } from '../core/types.js';
import { onIdle } from '../util/idlePeriod.js';

/** An exact answer waits for an idle period at most this long, ms. */
const IDLE_TIMEOUT_MS = 2000;

export interface RecallEstimatorOptions {
  /** One live query in this many is kept as a sample; 1 to 1,000,000. @default 50 */
  readonly sampleEvery?: number;
  /** Samples kept, the newest; 1 to 10,000. @default 64 */
  readonly sampleSize?: number;
  /**
   * Exact answers take at most this share of the time, from 0.001 to 1:
   * after one that took d ms, the next waits d × (1 / share − 1). Exact
   * answers compare every item, and searches of the page wait behind them
   * in the worker. @default 0.05
   */
  readonly maxShare?: number;
}

/** Bounds of RecallEstimatorOptions. */
export const RECALL_LIMITS = {
  sampleEvery: 1_000_000,
  sampleSize: 10_000,
  maxShare: { min: 0.001, max: 1 },
} as const;

/** Checks the estimator's options (INVALID_OPTIONS for an unknown key or a value out of range). */
export function recallOptions(
  options: RecallEstimatorOptions | undefined,
): Required<RecallEstimatorOptions> {
  const read = OptionReader.of(options, 'recall.', ['sampleEvery', 'sampleSize', 'maxShare']);
  return {
    sampleEvery: read.integer('sampleEvery', 1, RECALL_LIMITS.sampleEvery, 50),
    sampleSize: read.integer('sampleSize', 1, RECALL_LIMITS.sampleSize, 64),
    maxShare: read.number('maxShare', RECALL_LIMITS.maxShare, 0.05),
  };
}

export interface RecallEstimate {
  /** Mean recall@k over the samples: the share of the true k nearest that came back. */
  readonly recall: number;
  readonly samples: number;
}

interface Sample {
  readonly query: Float32Array | string;
  readonly k: number;
  readonly filter: Filter | undefined;
  /** Ids of the true nearest, once computed. */
  exact: Set<string> | null;
  /** TuningPort.writes() when `exact` was computed. */
  writes: number;
  /** Of the true nearest, how many the graph found at each efSearch asked (since `exact`). */
  found: Map<number, number>;
}

/** Queries per graph call of an estimate, so that searches of the page interleave. */
const ESTIMATE_BATCH = 8;

/**
 * A running estimate of recall@k from the page's own queries: one in
 * `sampleEvery` is kept, and in idle time the worker answers it exactly, by
 * comparing every item. `estimate(ef)` then asks the graph for the samples at
 * that efSearch and counts how many of the true neighbours it found. Exact
 * answers from before a write are computed again.
 */
export class RecallEstimator {
  readonly #port: TuningPort;
  readonly #every: number;
  readonly #size: number;
  readonly #share: number;
  /** performance.now() before which no exact answer is computed. */
  #notBefore = 0;
  #wait: ReturnType<typeof setTimeout> | undefined;
  /** Samples with exact answers (current or from before a write), oldest first. */
  readonly #samples: Sample[] = [];
  /** Queries taken and waiting for their exact answers, newest last. */
  readonly #pending: Sample[] = [];
  #seen = 0;
  #unsubscribe: (() => void) | undefined;
  #working = false;
  #filling: Promise<void> = Promise.resolve();
  /** Cancels the idle callback scheduled, if any. */
  #idle: (() => void) | undefined;

  /** A bad or unknown option fails with INVALID_OPTIONS. */
  constructor(index: Tunable, options: RecallEstimatorOptions = {}) {
    const checked = recallOptions(options);
    this.#port = tuningPort(index);
    this.#every = checked.sampleEvery;
    this.#size = checked.sampleSize;
    this.#share = checked.maxShare;
  }

  start(): void {
    this.#unsubscribe ??= this.#port.onSearch((query) => this.offer(query));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#idle?.();
    this.#idle = undefined;
    clearTimeout(this.#wait);
    this.#wait = undefined;
  }

  /** Counts a live query; every `sampleEvery`-th becomes a sample. */
  offer(query: LiveQuery): void {
    if (this.#seen++ % this.#every !== 0) return;
    this.#pending.push({
      query: query.query,
      k: query.k,
      filter: query.filter,
      exact: null,
      writes: -1,
      found: new Map(),
    });
    if (this.#pending.length > this.#size) this.#pending.shift();
    this.#schedule();
  }

  /** Samples whose exact answers are current. */
  get ready(): number {
    const writes = this.#port.writes();
    return this.#samples.filter((s) => s.exact && s.writes === writes).length;
  }

  /**
   * Recall@k at `efSearch` over the samples with current exact answers. A
   * sample is searched once per efSearch (until a write), so that repeated
   * estimates cost only the samples new since the last.
   */
  async estimate(efSearch: number): Promise<RecallEstimate> {
    const writes = this.#port.writes();
    const ready = this.#samples.filter((s) => s.exact && s.writes === writes);
    // Batches share k and filter.
    const groups = new Map<string, Sample[]>();
    for (const s of ready) {
      if (s.found.has(efSearch)) continue;
      const key = `${s.k}|${s.filter === undefined ? '' : canonicalJson(s.filter)}`;
      const group = groups.get(key);
      if (group) group.push(s);
      else groups.set(key, [s]);
    }
    for (const group of groups.values()) {
      for (let from = 0; from < group.length; from += ESTIMATE_BATCH) {
        const part = group.slice(from, from + ESTIMATE_BATCH);
        const first = part[0] as Sample;
        const answers = await this.#port.approximate(
          { queries: part.map((s) => s.query), k: first.k, filter: first.filter },
          efSearch,
        );
        part.forEach((s, i) => {
          const truth = s.exact as Set<string>;
          s.found.set(efSearch, (answers[i] ?? []).filter((hit) => truth.has(hit.id)).length);
        });
      }
    }
    let total = 0;
    let counted = 0;
    for (const s of ready) {
      const truth = s.exact as Set<string>;
      const found = s.found.get(efSearch);
      if (truth.size === 0 || found === undefined || s.writes !== this.#port.writes()) continue;
      total += found / truth.size;
      counted++;
    }
    return { recall: counted === 0 ? 1 : total / counted, samples: counted };
  }

  /**
   * Computes exact answers now, up to `limit`: first those a write made
   * stale, then the newest queries taken. (The idle work; also for tests.)
   */
  fill(limit = Infinity): Promise<void> {
    // One fill at a time: a caller's waits for the idle one under way, whose
    // sample would otherwise still be missing when the caller's resolves.
    const run = this.#filling.then(() => this.#fill(limit));
    this.#filling = run.catch(() => undefined);
    return run;
  }

  async #fill(limit: number): Promise<void> {
    for (let done = 0; done < limit; done++) {
      const writes = this.#port.writes();
      const stale = this.#samples.find((s) => s.writes !== writes);
      const sample = stale ?? this.#pending.pop();
      if (!sample) return;
      const [hits] = await this.#port.exact({
        queries: [sample.query],
        k: sample.k,
        filter: sample.filter,
      });
      sample.exact = new Set((hits ?? []).map((h) => h.id));
      sample.writes = writes;
      sample.found = new Map();
      if (!stale) {
        this.#samples.push(sample);
        if (this.#samples.length > this.#size) this.#samples.shift();
      }
    }
  }

  /** Whether exact answers are missing: stale ones, or queries waiting. */
  #owed(): boolean {
    const writes = this.#port.writes();
    return this.#pending.length > 0 || this.#samples.some((s) => s.writes !== writes);
  }

  /** One exact answer per idle period, within the time share. */
  #schedule(): void {
    if (this.#idle !== undefined || this.#wait !== undefined || this.#working) return;
    if (!this.#unsubscribe) return;
    const wait = this.#notBefore - performance.now();
    if (wait > 0) {
      this.#wait = setTimeout(() => {
        this.#wait = undefined;
        this.#schedule();
      }, wait);
      return;
    }
    this.#idle = onIdle(() => {
      this.#idle = undefined;
      this.#working = true;
      const started = performance.now();
      let failed = false;
      this.fill(1)
        .catch((error: unknown) => {
          failed = true;
          // A closed index has nothing more to sample; a worker being replaced is tried again later.
          if (toVicinityError(error, 'ENGINE_ERROR').code === 'CLOSED') this.stop();
        })
        .finally(() => {
          const took = performance.now() - started;
          this.#notBefore =
            performance.now() + Math.max(failed ? 1000 : 0, took * (1 / this.#share - 1));
          this.#working = false;
          if (this.#owed()) this.#schedule();
        });
    }, IDLE_TIMEOUT_MS);
  }
}
