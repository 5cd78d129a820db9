import type { SearchRequest } from '../core/protocol.js';
import type { SearchTarget } from '../core/searchWire.js';
import { LaneState, SharedLane, laneCarries, type LaneAnswer } from '../core/sharedLane.js';
import { SpinWait } from './SpinWait.js';

/**
 * The page's half of the shared lane (see sharedLane.ts): counts the
 * messages posted to the worker, sends one request at a time, and hands
 * each answer to `deliver` as soon as the worker has written it, waiting by
 * a bounded spin (SpinWait) or with `Atomics.waitAsync`.
 */
export class PageLane {
  readonly #lane = new SharedLane();
  readonly #deliver: (call: number, answer: LaneAnswer) => void;
  readonly #spin = new SpinWait();
  /** A request is in the lane: later searches go as messages until it is answered. */
  #busy = false;
  #ended = false;

  constructor(deliver: (call: number, answer: LaneAnswer) => void) {
    this.#deliver = deliver;
  }

  get buffer(): SharedArrayBuffer {
    return this.#lane.buffer;
  }

  /** Posts a message with `post`, counted, so that a lane request keeps its place among them. */
  posting(post: () => void): void {
    const lane = this.#lane;
    // Counted before it leaves, so that a worker waiting on the lane goes back to read it.
    lane.countPosted(1);
    try {
      post();
    } catch (error) {
      lane.countPosted(-1);
      throw error;
    }
    lane.ring();
  }

  /** Sends a request through the lane if it is free and carries it; false if not. */
  send(
    call: number,
    to: SearchTarget,
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): boolean {
    if (this.#busy || this.#ended || !laneCarries(queries, count, request)) return false;
    this.#busy = true;
    const sentAt = performance.now();
    this.#lane.request(call, to, queries, count, request);
    const lane = this.#lane;
    const settled = () => lane.state === LaneState.Answered || lane.state === LaneState.Idle;
    if (!this.#spin.wait(settled, sentAt)) this.#wait(sentAt);
    else if (!this.#spin.overRun()) this.#settled(sentAt);
    else {
      // A task of its own, posted, not timed: the page gets its event loop back, and no wake-up waits.
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        this.#settled(sentAt);
      };
      port2.postMessage(null);
    }
    return true;
  }

  /** Waits without blocking the page for the answer, or for the worker to free the lane. */
  #wait(sentAt: number): void {
    const lane = this.#lane;
    for (;;) {
      if (this.#ended) return;
      const state = lane.state;
      if (state === LaneState.Answered || state === LaneState.Idle) return this.#settled(sentAt);
      const settled = lane.whenSettled(state);
      if (settled) {
        void settled.then(() => this.#wait(sentAt));
        return;
      }
    }
  }

  #settled(sentAt: number): void {
    if (this.#ended) return;
    const lane = this.#lane;
    this.#busy = false;
    this.#spin.took(performance.now() - sentAt);
    // Idle: the answer went as a message (see LaneServer), and the lane is free.
    if (lane.state === LaneState.Idle) return;
    const call = lane.call;
    this.#deliver(call, lane.read());
  }

  /** The worker is gone: no answer will come, and a wait on the lane stops. */
  end(): void {
    this.#ended = true;
    this.#lane.settle(LaneState.Idle);
  }
}
