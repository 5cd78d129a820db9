/**
 * Which number of virtual users a capacity test runs next: doubling from
 * `from` until a step misses the target (or `to` is reached), then halving
 * the gap between the most users that held and the fewest that missed, at
 * most `refinements` times. Pure: the caller runs each step and reports
 * whether it held.
 */
export class UserSteps {
  readonly #to: number;
  #refinementsLeft: number;
  #next: number | null;
  /** Most users that held the target so far (0: none yet). */
  #held = 0;
  /** Fewest users that missed it so far (Infinity: none yet). */
  #missed = Infinity;

  constructor(from: number, to: number, refinements: number) {
    this.#to = to;
    this.#refinementsLeft = refinements;
    this.#next = from;
  }

  /** Users of the next step, or null when the test is over. */
  next(): number | null {
    return this.#next;
  }

  /** Whether `users` (the step just run) held the target; moves to the next step. */
  report(users: number, held: boolean): void {
    if (held) this.#held = Math.max(this.#held, users);
    else this.#missed = Math.min(this.#missed, users);
    if (this.#missed === Infinity) {
      // Still doubling: nothing has missed yet.
      this.#next = users >= this.#to ? null : Math.min(this.#to, users * 2);
      return;
    }
    // The first step already missed: there is nothing below it to find.
    if (this.#held === 0 || this.#missed - this.#held <= 1 || this.#refinementsLeft === 0) {
      this.#next = null;
      return;
    }
    this.#refinementsLeft--;
    this.#next = Math.floor((this.#held + this.#missed) / 2);
  }

  /** Why it ended: a step missed the target, or `to` held. */
  get crossed(): boolean {
    return this.#missed !== Infinity;
  }
}
