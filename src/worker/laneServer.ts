import type { BatchSearchApi } from '../core/protocol.js';
import { LaneState, SharedLane } from '../core/sharedLane.js';
import type { HitsMessage, SearchTarget } from '../core/searchWire.js';
import { answerCall } from './searchPort.js';

/** A service the lane hands searches to; `idle` when nothing else is queued on it. */
export interface LaneService extends BatchSearchApi {
  readonly idle: boolean;
}

/**
 * How long the worker stays blocked on the lane after an answer, waiting for
 * the next request, when nothing else is queued: a caller that awaits one
 * search after another then finds the worker awake. A message rings the
 * doorbell too, so a call sent meanwhile is read at once.
 */
const AWAKE_MS = 2;
const SPIN_MS = 0.1;

/**
 * The worker's end of the shared lane (see sharedLane.ts). It takes a
 * request once every message sent before it has been read (`received`),
 * queues it on the service like any search, and answers in the lane, or as
 * a message when the lane cannot carry the answer.
 */
export class LaneServer {
  readonly #lane: SharedLane;
  readonly #service: (to: SearchTarget) => LaneService;
  readonly #post: (answer: HitsMessage, transfer: Transferable[]) => void;
  readonly #received: () => number;

  constructor(
    buffer: SharedArrayBuffer,
    service: (to: SearchTarget) => LaneService,
    post: (answer: HitsMessage, transfer: Transferable[]) => void,
    received: () => number,
  ) {
    this.#lane = new SharedLane(buffer);
    this.#service = service;
    this.#post = post;
    this.#received = received;
    this.#listen();
  }

  /**
   * Takes the waiting request, if every message sent before it has been
   * read. Called when the doorbell rings, and around each message the
   * worker reads: before it (a request sent first goes first) and after it.
   */
  poll(): void {
    const taken = this.#lane.take(this.#received());
    if (!taken) return;
    const service = this.#service(taken.to);
    answerCall(taken, this.#service, this.#post, {
      hits: (columns, workerMs) => {
        if (!this.#lane.answer(columns, workerMs)) return false;
        if (service.idle) this.#stayAwake();
        return true;
      },
      posted: () => this.#lane.settle(LaneState.Idle),
    });
  }

  /** Polls each time the doorbell rings, from the worker's event loop. */
  #listen(): void {
    const rung = this.#lane.whenRung(this.#lane.bell);
    if (!rung) {
      this.poll();
      queueMicrotask(() => this.#listen());
      return;
    }
    void rung.then(() => {
      this.poll();
      this.#listen();
    });
  }

  /**
   * Blocks for the next request, for at most AWAKE_MS, and takes it; returns
   * at once when a message waits to be read, since the worker reads
   * messages only from its event loop.
   */
  #stayAwake(): void {
    const lane = this.#lane;
    const until = performance.now() + AWAKE_MS;
    lane.awake = true;
    const spinUntil = performance.now() + SPIN_MS;
    for (;;) {
      const seen = lane.hotBell;
      if (lane.posted > this.#received() || lane.state === LaneState.Requested) break;
      const now = performance.now();
      if (now < spinUntil) continue;
      const left = until - now;
      if (left <= 0 || lane.sleep(seen, left) === 'timed-out') break;
    }
    lane.awake = false;
    // A request made as the worker stopped waiting rang HotBell, which no one hears now.
    this.poll();
  }
}
