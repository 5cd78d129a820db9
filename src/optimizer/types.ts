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
}

/** What the exporters and the dashboard read from an optimizer. */
export interface OptimizerHistorySource {
  history(): readonly OptimizerDecision[];
}
