/** The first bucket holds everything up to 1 µs; the last, anything from about an hour. */
const FLOOR_MS = 0.001;
const CEILING_MS = 3_600_000;

/**
 * Latencies counted in logarithmic buckets whose bounds grow by `growth`, so
 * that a quantile of everything so far costs the same however many there
 * are and is never more than `growth` × the exact one (nor above the
 * largest value seen). A load test keeps its figures this way: sorting
 * hundreds of thousands of latencies at the end would block the page.
 */
export class RunningHistogram {
  readonly #growth: number;
  readonly #log: number;
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #max = 0;

  constructor(growth = 1.05) {
    this.#growth = growth;
    this.#log = Math.log(growth);
    this.#counts = new Float64Array(Math.ceil(Math.log(CEILING_MS / FLOOR_MS) / this.#log) + 1);
  }

  add(ms: number): void {
    const last = this.#counts.length - 1;
    const bucket =
      ms <= FLOOR_MS ? 0 : Math.min(last, Math.ceil(Math.log(ms / FLOOR_MS) / this.#log));
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#count++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#count;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /** The q-quantile (nearest rank), read as its bucket's upper bound; 0 when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.min(this.#max, FLOOR_MS * this.#growth ** i);
    }
    return this.#max;
  }
}
