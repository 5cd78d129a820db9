/** One decision of an optimizer, as its history, the JSON document and the dashboard show it. */
export interface OptimizerDecision {
  /** When it was taken, on the monitor's clock (performance.now()). */
  readonly at: number;
  /** What was changed, e.g. `efSearch` or `cacheBytes`. */
  readonly parameter: string;
  readonly from: number;
  readonly to: number;
  /** Why, in words. */
  readonly reason: string;
  /** What became of it once validated. */
  readonly outcome?: 'pending' | 'kept' | 'reverted';
  /** Figures when it was decided, and once validated. */
  readonly before?: DecisionMetrics;
  readonly after?: DecisionMetrics;
  /** The validator's judgement, in words. */
  readonly validation?: string;
}

export interface DecisionMetrics {
  /** p95 of uncached searches, ms (null when there were too few). */
  readonly p95Ms: number | null;
  /** Estimated recall@k (null without samples). */
  readonly recall: number | null;
  readonly hitRate: number | null;
}

/** What the exporters and the dashboard read from an optimizer. */
export interface OptimizerHistorySource {
  history(): readonly OptimizerDecision[];
}
