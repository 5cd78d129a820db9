/** Bucket bounds grow by this factor: a quantile read from them is within 5 %. */
const GROWTH = 1.05;
/** The first bucket holds everything up to 1 µs. */
const FLOOR_MS = 0.001;
const BUCKETS = 400; // up to about 0.3 hours

/**
 * Latencies counted in logarithmic buckets, so that a quantile of everything
 * so far costs the same however many there are: for progress reports while
 * a load test runs.
 */
export class RunningHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;

  add(ms: number): void {
    const bucket =
      ms <= FLOOR_MS
        ? 0
        : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FLOOR_MS) / Math.log(GROWTH)));
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** The upper bound of the bucket holding the q-quantile (nearest rank); 0 when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return FLOOR_MS * GROWTH ** i;
    }
    return FLOOR_MS * GROWTH ** (BUCKETS - 1);
  }
}
