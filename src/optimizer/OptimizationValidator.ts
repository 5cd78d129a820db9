import type { TuningPort } from '../client/tuning.js';
import type { Tunable } from '../client/tuning.js';
import { VicinityError } from '../core/VicinityError.js';
import { percentiles } from '../monitor/PerformanceMonitor.js';
import type { Metric, VectorLike } from '../core/types.js';
import { sleep } from '../util/sleep.js';
import { writeVector } from '../validation/vectors.js';
import { OptionReader } from './OptionReader.js';
import { tuningPort } from './tuningPort.js';
import { uncachedSearchLatencies } from './observe.js';
import type { EfGoal } from './OptimizerPolicy.js';
import type { RecallEstimator } from './RecallEstimator.js';

export interface ValidatorOptions {
  /**
   * `live`: judge by the next `liveQueries` searches of the page (and of
   * load tests); `fixed`: time a fixed query set at both values, alternately.
   * @default 'live'
   */
  readonly mode?: 'live' | 'fixed';
  /** From 1 to the monitor's capacity (the operations it keeps, 1,000). @default 30 */
  readonly liveQueries?: number;
  /**
   * Give up waiting for live searches after this long, ms (over 0, at most
   * 3,600,000); the change is then kept. @default 60000
   */
  readonly liveTimeoutMs?: number;
  /**
   * The fixed query set (mode `fixed`, where it is required): 1 to 10,000
   * vectors of the index's dimensions or texts.
   */
  readonly queries?: readonly (VectorLike | string)[];
  /** k for the fixed set, 1 to 10,000. @default 10 */
  readonly k?: number;
  /** Passes over the fixed set at each value, 1 to 100. @default 3 */
  readonly rounds?: number;
  /** A change made for latency is kept when p95 improved by at least this share (0 to under 1). @default 0.05 */
  readonly minImprovement?: number;
  /** …and recall fell by at most this much (0 to 1). @default 0.02 */
  readonly recallTolerance?: number;
}

/** Bounds of ValidatorOptions. */
export const VALIDATOR_LIMITS = {
  liveTimeoutMs: 3_600_000,
  queries: 10_000,
  textLength: 100_000,
  k: 10_000,
  rounds: 100,
} as const;

export type ResolvedValidatorOptions = Required<Omit<ValidatorOptions, 'queries'>> & {
  readonly queries: readonly (Float32Array | string)[];
};

const KNOWN: readonly (keyof ValidatorOptions)[] = [
  'mode',
  'liveQueries',
  'liveTimeoutMs',
  'queries',
  'k',
  'rounds',
  'minImprovement',
  'recallTolerance',
];

/**
 * Checks the validator's options against the index it validates on (its
 * dimensions and metric, its monitor's capacity): an unknown key, a wrong
 * type or a value out of range fails with INVALID_OPTIONS, a bad vector of
 * the fixed set with its own code (DIMENSION_MISMATCH, INVALID_VECTOR).
 */
export function validatorOptions(
  options: unknown,
  index: { readonly dimensions: number; readonly metric: Metric; readonly monitorCapacity: number },
): ResolvedValidatorOptions {
  const read = OptionReader.of(options, 'validate.', KNOWN);
  const L = VALIDATOR_LIMITS;
  const mode = read.oneOf('mode', ['live', 'fixed'] as const, 'live');
  const given = read.raw('queries');
  let queries: (Float32Array | string)[] = [];
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length > L.queries)
      read.fail('queries', `must be an array of at most ${L.queries} vectors or texts`);
    queries = (given as unknown[]).map((query, i) => {
      if (typeof query === 'string') {
        if (query.length === 0 || query.length > L.textLength)
          throw new VicinityError(
            'INVALID_OPTIONS',
            `validate.queries[${i}] must be a text of 1 to ${L.textLength} characters`,
          );
        return query;
      }
      const vector = new Float32Array(index.dimensions);
      writeVector(query, index.dimensions, index.metric, vector, 0, `validate.queries[${i}]`);
      return vector;
    });
  }
  if (mode === 'fixed' && queries.length === 0)
    read.fail('queries', "are needed in the validator's fixed mode: at least one");
  return {
    mode,
    liveQueries: read.integer('liveQueries', 1, index.monitorCapacity, 30),
    liveTimeoutMs: read.number(
      'liveTimeoutMs',
      { min: 0, max: L.liveTimeoutMs, aboveMin: true },
      60_000,
    ),
    queries,
    k: read.integer('k', 1, L.k, 10),
    rounds: read.integer('rounds', 1, L.rounds, 3),
    minImprovement: read.number('minImprovement', { min: 0, max: 1, belowMax: true }, 0.05),
    recallTolerance: read.number('recallTolerance', { min: 0, max: 1 }, 0.02),
  };
}

export interface ValidatedChange {
  readonly from: number;
  readonly to: number;
  readonly goal: EfGoal;
  /** p95 before the change (live mode), ms. */
  readonly p95BeforeMs: number | null;
  /** When it was applied, on the monitor's clock. */
  readonly at: number;
  /** The optimizer's latency target (a raise for headroom must stay under it). */
  readonly targetP95Ms: number;
  /** The optimizer's recall floor. */
  readonly recallFloor: number;
}

export interface Validation {
  readonly keep: boolean;
  readonly reason: string;
  /** Undone at least in part because recall fell: a lower efSearch would lose more. */
  readonly recallFell: boolean;
  readonly before: { readonly p95Ms: number | null; readonly recall: number | null };
  readonly after: { readonly p95Ms: number | null; readonly recall: number | null };
}

const pct = (x: number | null) => (x === null ? 'unknown' : `${(x * 100).toFixed(1)} %`);
const ms = (x: number | null) => (x === null ? 'unknown' : `${x.toFixed(2)} ms`);

/**
 * Judges an efSearch change by its effect: latency and recall before and
 * after, on the next live searches or on a fixed query set. A change made
 * for latency is kept when p95 improved by at least `minImprovement` with
 * recall within `recallTolerance` (and at or above the floor); a raise for
 * headroom when p95 stayed under the target and recall did not fall; a
 * raise to get back to the recall floor always (the floor wins).
 */
export class OptimizationValidator {
  readonly #port: TuningPort;
  readonly #estimator: RecallEstimator;
  readonly #options: ResolvedValidatorOptions;
  #fixedTruth: Set<string>[] | null = null;
  #fixedWrites = -1;

  /** Every option is checked here (see validatorOptions). */
  constructor(index: Tunable, estimator: RecallEstimator, options: ValidatorOptions = {}) {
    this.#port = tuningPort(index);
    this.#options = validatorOptions(options, {
      dimensions: this.#port.dimensions,
      metric: this.#port.metric,
      monitorCapacity: this.#port.monitor.capacity,
    });
    this.#estimator = estimator;
  }

  async validate(change: ValidatedChange, signal?: AbortSignal): Promise<Validation> {
    const measured =
      this.#options.mode === 'fixed' ? await this.#fixed(change) : await this.#live(change, signal);
    return { ...measured, ...judge(change, measured, this.#options) };
  }

  /** Live: the next searches after the change against those before it; recall on the samples. */
  async #live(change: ValidatedChange, signal?: AbortSignal) {
    const { monitor } = this.#port;
    const deadline = monitor.now() + this.#options.liveTimeoutMs;
    let after = uncachedSearchLatencies(monitor, change.at);
    while (after.length < this.#options.liveQueries && monitor.now() < deadline) {
      if (signal?.aborted) break;
      await sleep(100);
      after = uncachedSearchLatencies(monitor, change.at);
    }
    const recall = async (ef: number) => {
      const r = await this.#estimator.estimate(ef);
      return r.samples > 0 ? r.recall : null;
    };
    return {
      before: { p95Ms: change.p95BeforeMs, recall: await recall(change.from) },
      after: {
        p95Ms: after.length > 0 ? percentiles(after).p95 : null,
        recall: await recall(change.to),
      },
    };
  }

  /** Fixed: each query timed alone at both values, alternating, `rounds` times; recall against exact answers. */
  async #fixed(change: ValidatedChange) {
    const port = this.#port;
    const { queries, k, rounds } = this.#options;
    if (!this.#fixedTruth || this.#fixedWrites !== port.writes()) {
      this.#fixedWrites = port.writes();
      const exact = await port.exact({ queries, k });
      this.#fixedTruth = exact.map((hits) => new Set(hits.map((h) => h.id)));
    }
    const truth = this.#fixedTruth;
    const times = { from: [] as number[], to: [] as number[] };
    const found = { from: 0, to: 0 };
    let total = 0;
    for (let round = 0; round < rounds; round++) {
      for (let q = 0; q < queries.length; q++) {
        const query = queries[q] as Float32Array | string;
        for (const side of round % 2 === 0
          ? (['from', 'to'] as const)
          : (['to', 'from'] as const)) {
          const t0 = performance.now();
          const [hits = []] = await port.approximate({ queries: [query], k }, change[side]);
          times[side].push(performance.now() - t0);
          if (round === 0) found[side] += hits.filter((h) => truth[q]?.has(h.id)).length;
        }
        if (round === 0) total += truth[q]?.size ?? 0;
      }
    }
    const recall = (n: number) => (total === 0 ? null : n / total);
    return {
      before: { p95Ms: percentiles(times.from).p95, recall: recall(found.from) },
      after: { p95Ms: percentiles(times.to).p95, recall: recall(found.to) },
    };
  }
}

function judge(
  change: ValidatedChange,
  m: { before: Validation['before']; after: Validation['after'] },
  o: { minImprovement: number; recallTolerance: number },
): { keep: boolean; reason: string; recallFell: boolean } {
  const { before, after } = m;
  const figures = `p95 ${ms(before.p95Ms)} → ${ms(after.p95Ms)}, recall ${pct(before.recall)} → ${pct(after.recall)}`;
  if (change.goal === 'recall')
    return {
      keep: true,
      reason: `kept: raised for the recall floor (${figures})`,
      recallFell: false,
    };
  if (before.p95Ms === null || after.p95Ms === null)
    return {
      keep: true,
      reason: `kept: too few searches to judge (${figures})`,
      recallFell: false,
    };
  const recallHeld =
    before.recall === null ||
    after.recall === null ||
    (after.recall >= before.recall - o.recallTolerance && after.recall >= change.recallFloor);
  if (change.goal === 'latency') {
    const improved = after.p95Ms <= before.p95Ms * (1 - o.minImprovement);
    if (improved && recallHeld)
      return { keep: true, reason: `kept: ${figures}`, recallFell: false };
    const problems = [
      ...(improved ? [] : [`p95 did not improve by ${o.minImprovement * 100} %`]),
      ...(recallHeld ? [] : ['recall fell too far']),
    ];
    return {
      keep: false,
      reason: `reverted: ${problems.join(' and ')} (${figures})`,
      recallFell: !recallHeld,
    };
  }
  const underTarget = after.p95Ms <= change.targetP95Ms;
  const recallKept =
    before.recall === null ||
    after.recall === null ||
    after.recall >= before.recall - o.recallTolerance;
  if (underTarget && recallKept)
    return { keep: true, reason: `kept: ${figures}`, recallFell: false };
  return {
    keep: false,
    recallFell: !recallKept,
    reason: `reverted: ${underTarget ? 'recall fell' : 'p95 went over the target'} (${figures})`,
  };
}
