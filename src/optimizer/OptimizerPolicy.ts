import { OptionReader } from './OptionReader.js';
import type { RecallEstimate } from './RecallEstimator.js';

export interface OptimizerSettings {
  /** p95 latency of searches to stay under, ms, over 0 and at most 60,000. @default 50 */
  readonly targetP95Ms: number;
  /** Estimated recall@k never goes below this: it wins over the latency target. @default 0.95 */
  readonly recallFloor: number;
  /**
   * efSearch goes down only when the estimate at the lower value is at least
   * this far above the floor, so that the estimate's noise cannot walk it
   * under the floor and back. @default 0.01
   */
  readonly recallMargin: number;
  /** From 1 to 1,000,000. @default 8 */
  readonly minEfSearch: number;
  /** From minEfSearch to 1,000,000. @default 512 */
  readonly maxEfSearch: number;
  /** A step lowers efSearch by this share (0.25: ×0.75), and raises it back by its inverse. @default 0.25 */
  readonly step: number;
  /** Raise efSearch only while p95 is under this share of the target (hysteresis). @default 0.5 */
  readonly headroom: number;
  /** After a change, no other for this long, ms, at most 86,400,000 (a day). @default 10000 */
  readonly cooldownMs: number;
  /**
   * Uncached searches since the last change needed to judge latency, at most
   * the monitor's capacity (the operations it keeps, 1,000). @default 30
   */
  readonly minSamples: number;
  /** Recall samples needed before efSearch may go down, at most the estimator's `sampleSize`. @default 8 */
  readonly minRecallSamples: number;
  /**
   * The query cache's capacity follows its hit rate between these, bytes
   * (whole numbers from 1,024 to 2³¹ − 1); null: left alone.
   */
  readonly cacheBytes: { readonly min: number; readonly max: number } | null;
}

export const OPTIMIZER_DEFAULTS: OptimizerSettings = {
  targetP95Ms: 50,
  recallFloor: 0.95,
  recallMargin: 0.01,
  minEfSearch: 8,
  maxEfSearch: 512,
  step: 0.25,
  headroom: 0.5,
  cooldownMs: 10_000,
  minSamples: 30,
  minRecallSamples: 8,
  cacheBytes: { min: 1 << 20, max: 64 << 20 },
};

/** What the optimizer saw in one cycle. */
export interface Observation {
  readonly efSearch: number;
  /** Of the uncached searches since the last change; null with fewer than minSamples. */
  readonly p95Ms: number | null;
  /** Share of searches the cache answered over the monitor's window; null without enough. */
  readonly hitRate: number | null;
  /** The cache's capacity; null without a cache. */
  readonly cacheMaxBytes: number | null;
}

/** Why efSearch would move. */
export type EfGoal = 'latency' | 'headroom' | 'recall';

export type Decision =
  | {
      readonly action: 'set';
      readonly parameter: 'efSearch' | 'cacheBytes';
      readonly from: number;
      readonly to: number;
      readonly goal: EfGoal | 'cache';
      readonly reason: string;
    }
  | { readonly action: 'hold'; readonly reason: string };

/** Whether the latency target is out of reach without going under the recall floor. */
export interface FloorState {
  readonly unreachable: boolean;
  readonly reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/**
 * The optimizer's rules, without timers or I/O, so that they can be tested
 * with a fake clock. Latency above the target lowers efSearch one step, but
 * only when the estimated recall at the lower value stays at or above the
 * floor; latency well under the target (below `headroom` × target: a band,
 * so that it does not swing) raises it one step; recall under the floor
 * raises it whatever the latency. After any change, nothing moves for a
 * cooldown, and a value that was reverted is not tried again for a while (a
 * step down passes one that did not pay and goes a step further).
 */
export class OptimizerPolicy {
  readonly settings: OptimizerSettings;
  #lastEfChange = -Infinity;
  #lastCacheChange = -Infinity;
  /** efSearch values reverted by validation: until when they are not tried, and whether recall fell. */
  readonly #blocked = new Map<number, { until: number; recallFell: boolean }>();
  #floor: FloorState = { unreachable: false, reason: '' };

  /** Settings not given take OPTIMIZER_DEFAULTS; a bad or unknown one fails with INVALID_OPTIONS. */
  constructor(settings: Partial<OptimizerSettings> = {}) {
    this.settings = optimizerSettings(settings);
  }

  /** Whether the latency target is out of reach above the floor, as of the last decision. */
  get floor(): FloorState {
    return this.#floor;
  }

  /** The time since which latency counts (the last efSearch change). */
  get since(): number {
    return this.#lastEfChange;
  }

  lower(ef: number): number {
    return Math.max(this.settings.minEfSearch, Math.floor(ef * (1 - this.settings.step)));
  }

  raise(ef: number): number {
    return Math.min(this.settings.maxEfSearch, Math.ceil(ef / (1 - this.settings.step)));
  }

  /** The efSearch worth checking recall at this cycle, or null when nothing would move. */
  candidate(now: number, seen: Observation): number | null {
    if (now - this.#lastEfChange < this.settings.cooldownMs || seen.p95Ms === null) return null;
    const { targetP95Ms, headroom } = this.settings;
    const blocked = (ef: number) => {
      const entry = this.#blocked.get(ef);
      return entry !== undefined && entry.until > now ? entry : null;
    };
    let to: number | null = null;
    if (seen.p95Ms > targetP95Ms) {
      // A step down undone because p95 barely moved did not pay: while the
      // target is missed, the next try goes a step further instead of waiting,
      // since latency can be flat over a range of efSearch. One undone because
      // recall fell is not passed: lower would lose more.
      to = this.lower(seen.efSearch);
      while (blocked(to)?.recallFell === false && this.lower(to) < to) to = this.lower(to);
    } else if (seen.p95Ms < targetP95Ms * headroom) to = this.raise(seen.efSearch);
    if (to === null || to === seen.efSearch || blocked(to)) return null;
    return to;
  }

  /**
   * Decides on efSearch. `recallNow` is the estimate at the current value,
   * `recallAtCandidate` at `candidate` (both null when not measured).
   */
  decideEf(
    now: number,
    seen: Observation,
    candidate: number | null,
    recallNow: RecallEstimate | null,
    recallAtCandidate: RecallEstimate | null,
  ): Decision {
    const s = this.settings;
    const ef = seen.efSearch;
    if (now - this.#lastEfChange < s.cooldownMs) return hold('cooling down after a change');
    const enough = (r: RecallEstimate | null): r is RecallEstimate =>
      r !== null && r.samples >= s.minRecallSamples;
    // The floor first: recall under it raises efSearch whatever the latency.
    if (enough(recallNow) && recallNow.recall < s.recallFloor) {
      if (ef >= s.maxEfSearch) {
        this.#floor = {
          unreachable: true,
          reason: `estimated recall ${pct(recallNow.recall)} is under the floor ${pct(s.recallFloor)} even at the largest efSearch ${ef}`,
        };
        return hold(this.#floor.reason);
      }
      return this.#set(
        now,
        ef,
        this.raise(ef),
        'recall',
        `estimated recall ${pct(recallNow.recall)} is under the floor ${pct(s.recallFloor)}`,
      );
    }
    if (seen.p95Ms === null) return hold('too few searches since the last change');
    if (seen.p95Ms > s.targetP95Ms) {
      const over = `p95 ${ms(seen.p95Ms)} is over the target ${ms(s.targetP95Ms)}`;
      if (this.lower(ef) >= ef) {
        this.#floor = { unreachable: true, reason: `${over} at the smallest efSearch ${ef}` };
        return hold(this.#floor.reason);
      }
      if (candidate === null || candidate >= ef)
        return hold(`${over}; efSearch ${this.lower(ef)} was reverted recently`);
      if (!enough(recallAtCandidate))
        return hold(`${over}; waiting for recall samples before lowering efSearch`);
      if (recallAtCandidate.recall < s.recallFloor + s.recallMargin) {
        this.#floor = {
          unreachable: true,
          reason: `${over}, but efSearch ${candidate} would bring estimated recall to ${pct(recallAtCandidate.recall)}, too close to the floor ${pct(s.recallFloor)}`,
        };
        return hold(this.#floor.reason);
      }
      // The target may still be out of reach: the alert stays until p95 meets it.
      return this.#set(
        now,
        ef,
        candidate,
        'latency',
        `${over}; estimated recall at ${candidate} is ${pct(recallAtCandidate.recall)}`,
      );
    }
    this.#floor = { unreachable: false, reason: '' };
    if (candidate !== null && candidate > ef && seen.p95Ms < s.targetP95Ms * s.headroom)
      return this.#set(
        now,
        ef,
        candidate,
        'headroom',
        `p95 ${ms(seen.p95Ms)} is well under the target ${ms(s.targetP95Ms)}: more recall for the time`,
      );
    return hold(`p95 ${ms(seen.p95Ms)} is within the target band`);
  }

  /** The cache's capacity: grown ×1.5 under 50 % hits, shrunk ×0.8 over 90 %, within its bounds. */
  decideCache(now: number, seen: Observation): Decision {
    const bounds = this.settings.cacheBytes;
    const bytes = seen.cacheMaxBytes;
    if (!bounds || bytes === null || seen.hitRate === null) return hold('no cache figures');
    if (now - this.#lastCacheChange < this.settings.cooldownMs) return hold('cooling down');
    let to = bytes;
    if (seen.hitRate < 0.5) to = Math.min(bounds.max, Math.round(bytes * 1.5));
    else if (seen.hitRate > 0.9) to = Math.max(bounds.min, Math.round(bytes * 0.8));
    if (to === bytes) return hold(`cache hit rate ${pct(seen.hitRate)}`);
    this.#lastCacheChange = now;
    return {
      action: 'set',
      parameter: 'cacheBytes',
      from: bytes,
      to,
      goal: 'cache',
      reason: `cache hit rate ${pct(seen.hitRate)} is ${to > bytes ? 'under 50 %' : 'over 90 %'}`,
    };
  }

  /**
   * A change was undone: its value is not tried again for ten cooldowns (a
   * step down passes it unless it was undone because recall fell).
   */
  reverted(now: number, value: number, recallFell = false): void {
    this.#blocked.set(value, { until: now + 10 * this.settings.cooldownMs, recallFell });
    this.#lastEfChange = now;
  }

  #set(now: number, from: number, to: number, goal: EfGoal, reason: string): Decision {
    this.#lastEfChange = now;
    return { action: 'set', parameter: 'efSearch', from, to, goal, reason };
  }
}

function hold(reason: string): Decision {
  return { action: 'hold', reason };
}

/** Bounds of the settings (see OptimizerSettings). */
export const OPTIMIZER_LIMITS = {
  targetP95Ms: 60_000,
  /** As for the index's own efSearch. */
  efSearch: 1_000_000,
  cooldownMs: 86_400_000,
  minSamples: 100_000,
  minRecallSamples: 10_000,
  /** As for the cache's `maxBytes`. */
  cacheBytes: { min: 1024, max: 2 ** 31 - 1 },
} as const;

export const SETTINGS_KEYS = Object.keys(OPTIMIZER_DEFAULTS) as (keyof OptimizerSettings)[];

/**
 * Checks settings given in part: unknown keys, types and ranges fail with
 * INVALID_OPTIONS; the rest take their defaults.
 */
export function optimizerSettings(settings: Partial<OptimizerSettings> = {}): OptimizerSettings {
  const read = OptionReader.of(settings, '', SETTINGS_KEYS);
  const d = OPTIMIZER_DEFAULTS;
  const L = OPTIMIZER_LIMITS;
  const share = { min: 0, max: 1, aboveMin: true, belowMax: true };
  const minEfSearch = read.integer('minEfSearch', 1, L.efSearch, d.minEfSearch);
  const maxEfSearch = read.integer('maxEfSearch', 1, L.efSearch, d.maxEfSearch);
  if (maxEfSearch < minEfSearch)
    read.fail(
      'maxEfSearch',
      `must be at least minEfSearch (${minEfSearch}); its default is ${d.maxEfSearch}`,
    );
  return {
    targetP95Ms: read.number(
      'targetP95Ms',
      { min: 0, max: L.targetP95Ms, aboveMin: true },
      d.targetP95Ms,
    ),
    recallFloor: read.number('recallFloor', { min: 0, max: 1 }, d.recallFloor),
    recallMargin: read.number('recallMargin', { min: 0, max: 1, belowMax: true }, d.recallMargin),
    minEfSearch,
    maxEfSearch,
    step: read.number('step', share, d.step),
    headroom: read.number('headroom', share, d.headroom),
    cooldownMs: read.number('cooldownMs', { min: 0, max: L.cooldownMs }, d.cooldownMs),
    minSamples: read.integer('minSamples', 1, L.minSamples, d.minSamples),
    minRecallSamples: read.integer('minRecallSamples', 1, L.minRecallSamples, d.minRecallSamples),
    cacheBytes: cacheBounds(read),
  };
}

function cacheBounds(read: OptionReader): OptimizerSettings['cacheBytes'] {
  const given = read.raw('cacheBytes');
  if (given === null) return null;
  if (given === undefined) return OPTIMIZER_DEFAULTS.cacheBytes;
  const bounds = OptionReader.of(given, 'cacheBytes.', ['min', 'max']);
  const { min, max } = OPTIMIZER_LIMITS.cacheBytes;
  if (!bounds.has('min') || !bounds.has('max'))
    read.fail('cacheBytes', 'must be null or { min, max }');
  const lower = bounds.integer('min', min, max, min);
  return { min: lower, max: bounds.integer('max', lower, max, lower) };
}
