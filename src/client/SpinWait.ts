/** The longest the page spins for one answer. */
const MAX_SPIN_MS = 1;
/** Answers taken by spinning, one after another with no pause, may hold the page this long before it yields. */
const MAX_RUN_MS = 5;
/** A pause this long between two spins means the page has done other work: a new run starts. */
const PAUSE_MS = 1;

/**
 * Decides how long the page spins for an answer from the shared lane, and
 * spins. A page that waits with `Atomics.waitAsync` is woken by a task, and
 * a thread that has gone idle takes tens of microseconds to a millisecond
 * to wake, as much as a search takes; spinning for an answer due within a
 * millisecond saves that. The spin is bounded, so that the page stays
 * smooth: at most twice the recent round trip, never past MAX_SPIN_MS, and
 * not at all when round trips are longer than that.
 *
 * Awaited searches one after another, each answered while spinning, would
 * run as one task without end: once such a run has held the page for
 * MAX_RUN_MS, `overRun` says so, and the caller hands the answer over in a
 * task of its own, which gives the page its event loop back.
 */
export class SpinWait {
  /** Recent round trips, as a moving average. */
  #roundTripMs = 0.2;
  #runStartedAt = Number.NEGATIVE_INFINITY;
  #lastSpinAt = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Spins until `done` or the budget ends; true when done. */
  wait(done: () => boolean, now: number): boolean {
    if (now - this.#lastSpinAt > PAUSE_MS) this.#runStartedAt = now;
    const budget = 2 * this.#roundTripMs;
    if (budget > MAX_SPIN_MS) {
      this.#lastSpinAt = Number.NEGATIVE_INFINITY;
      return done();
    }
    const until = now + budget;
    let answered = done();
    while (!answered && this.#now() < until) answered = done();
    this.#lastSpinAt = answered ? this.#now() : Number.NEGATIVE_INFINITY;
    return answered;
  }

  /** The current run has held the page long enough: it should yield, and a new run starts. */
  overRun(): boolean {
    if (this.#lastSpinAt - this.#runStartedAt <= MAX_RUN_MS) return false;
    this.#lastSpinAt = Number.NEGATIVE_INFINITY;
    return true;
  }

  /** A round trip took `ms`. */
  took(ms: number): void {
    this.#roundTripMs += (ms - this.#roundTripMs) / 4;
  }
}
