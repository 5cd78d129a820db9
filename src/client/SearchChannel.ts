import type { Endpoint } from 'comlink';
import type { RawHit, SearchApi, SearchRequest, Timed } from '../core/protocol.js';
import { isHitsMessage, searchMessage, timedHits, type SearchTarget } from '../core/searchWire.js';
import {
  LaneState,
  SharedLane,
  laneAvailable,
  laneCarries,
  type LaneMessage,
} from '../core/sharedLane.js';
import { fromWireError } from '../core/wireError.js';
import { SpinWait } from './SpinWait.js';

interface Pending {
  readonly resolve: (answer: Timed<RawHit[][]>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The page's end of a worker's searches. Each search is one message out,
 * with its queries transferred, and one back (see searchWire.ts); on a
 * cross-origin isolated page, one search at a time goes through the shared
 * lane instead (see sharedLane.ts), and the others as messages.
 *
 * Every message to the worker goes through `endpoint`, Comlink's too, so
 * that the lane's requests keep their order among them. Deadlines and
 * crashes are the caller's to watch, as for any call to the worker
 * (PrimaryWorker, ReplicaPool): a call whose worker is stopped is simply
 * never answered here, and `end` forgets it.
 */
export class SearchChannel implements SearchApi {
  readonly #worker: Worker;
  readonly #to: SearchTarget;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #lane: SharedLane | undefined;
  /** A request is in the lane: later searches go as messages until it is answered. */
  #laneBusy = false;
  #ended = false;
  readonly #spin = new SpinWait();

  /** The worker's port, for Comlink: every message counted (see sharedLane.ts). */
  readonly endpoint: Endpoint;

  constructor(worker: Worker, to: SearchTarget) {
    this.#worker = worker;
    this.#to = to;
    this.endpoint = {
      postMessage: (message: unknown, transfer?: Transferable[]) => this.#post(message, transfer),
      addEventListener: worker.addEventListener.bind(worker),
      removeEventListener: worker.removeEventListener.bind(worker),
    };
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const { data } = event;
      if (!isHitsMessage(data)) return;
      const pending = this.#pending.get(data.call);
      if (!pending) return;
      this.#pending.delete(data.call);
      if ('error' in data) pending.reject(fromWireError(data.error));
      else pending.resolve(timedHits(data));
    });
    if (laneAvailable()) {
      this.#lane = new SharedLane();
      this.#post({ vicinity: 'lane', buffer: this.#lane.buffer } satisfies LaneMessage);
    }
  }

  /** Whether searches may go through the shared lane. */
  get shared(): boolean {
    return this.#lane !== undefined;
  }

  #post(message: unknown, transfer: Transferable[] = []): void {
    const lane = this.#lane;
    if (!lane) return this.#worker.postMessage(message, transfer);
    // Counted before it leaves, so that a worker waiting on the lane goes back to read it.
    lane.countPosted(1);
    try {
      this.#worker.postMessage(message, transfer);
    } catch (error) {
      lane.countPosted(-1);
      throw error;
    }
    lane.ring();
  }

  /** One query; its buffer is transferred away, or copied when it goes through the lane. */
  async search(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>> {
    const { value, workerMs } = await this.searchBatch(query, 1, request);
    return { value: value[0] ?? [], workerMs };
  }

  /** `count` queries packed in `queries`, whose buffer is transferred away or copied. */
  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    return new Promise((resolve, reject) => {
      const call = this.#next++;
      const lane = this.#lane;
      if (lane && !this.#laneBusy && laneCarries(queries, count, request)) {
        this.#pending.set(call, { resolve, reject });
        this.#laneBusy = true;
        const sentAt = performance.now();
        lane.request(call, this.#to, queries, count, request);
        this.#awaitLane(lane, sentAt);
        return;
      }
      const message = searchMessage(call, this.#to, queries, count, request);
      // Posting throws at once for what cannot be cloned: the call fails alone.
      this.#post(message, [queries.buffer]);
      this.#pending.set(call, { resolve, reject });
    });
  }

  /** Waits, without blocking the page, for the lane's answer or for the worker to free it. */
  #awaitLane(lane: SharedLane, sentAt: number): void {
    const settled = () => lane.state === LaneState.Answered || lane.state === LaneState.Idle;
    if (!this.#spin.wait(settled, sentAt)) return this.#waitForLane(lane, sentAt);
    if (!this.#spin.overRun()) return this.#laneSettled(lane, sentAt);
    // A task of its own, posted, not timed: the page gets its event loop back, and no wake-up waits.
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      this.#laneSettled(lane, sentAt);
    };
    port2.postMessage(null);
  }

  #waitForLane(lane: SharedLane, sentAt: number): void {
    for (;;) {
      if (this.#ended) return;
      const state = lane.state;
      if (state === LaneState.Answered || state === LaneState.Idle)
        return this.#laneSettled(lane, sentAt);
      const settled = lane.whenSettled(state);
      if (settled) {
        void settled.then(() => this.#waitForLane(lane, sentAt));
        return;
      }
    }
  }

  #laneSettled(lane: SharedLane, sentAt: number): void {
    this.#laneBusy = false;
    this.#spin.took(performance.now() - sentAt);
    // Idle: the answer went as a message (see LaneServer), and the lane is free.
    if (lane.state === LaneState.Idle) return;
    const call = lane.call;
    const answer = lane.read();
    const pending = this.#pending.get(call);
    this.#pending.delete(call);
    pending?.resolve(timedHits(answer));
  }

  /** The worker is gone: its unanswered calls are the supervisor's to fail. */
  end(): void {
    this.#ended = true;
    this.#pending.clear();
    // Wakes the wait on the lane, which then stops.
    this.#lane?.settle(LaneState.Idle);
  }
}
