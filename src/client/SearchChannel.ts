import type { Endpoint } from 'comlink';
import type { RawHit, SearchApi, SearchRequest, Timed } from '../core/protocol.js';
import { isHitsMessage, searchMessage, timedHits, type SearchTarget } from '../core/searchWire.js';
import { isLaneReady, laneAvailable, type LaneMessage } from '../core/laneMessages.js';
import { fromWireError } from '../core/wireError.js';
import type { PageLane } from './PageLane.js';

interface Pending {
  readonly resolve: (answer: Timed<RawHit[][]>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The page's end of a worker's searches. Each search is one message out,
 * with its queries transferred, and one back (see searchWire.ts); on a
 * cross-origin isolated page, one search at a time goes through the shared
 * lane instead, once it is open (see laneMessages.ts), and the others as
 * messages.
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
  /** Counts every message from the one that opens the lane on. */
  #counting: PageLane | undefined;
  /** Takes requests once the worker has said it is ready. */
  #lane: PageLane | undefined;
  #ended = false;

  /** The worker's port, for Comlink: every message counted once the lane opens. */
  readonly endpoint: Endpoint;
  /** Resolves once the lane is open, or will not be: searches may go either way before. */
  readonly ready: Promise<void>;

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
      if ('error' in data) this.#pendingFor(data.call)?.reject(fromWireError(data.error));
      else this.#pendingFor(data.call)?.resolve(timedHits(data));
    });
    this.ready = laneAvailable() ? this.#openLane() : Promise.resolve();
  }

  /** Loads the page's half of the lane and sends the worker its buffer; never fails. */
  async #openLane(): Promise<void> {
    let PageLaneClass: typeof PageLane;
    try {
      ({ PageLane: PageLaneClass } = await import('./PageLane.js'));
    } catch {
      return;
    }
    if (this.#ended) return;
    const lane = new PageLaneClass((call, answer) =>
      this.#pendingFor(call)?.resolve(timedHits(answer)),
    );
    const worker = this.#worker;
    await new Promise<void>((resolve) => {
      const listen = (event: MessageEvent<unknown>) => {
        if (!isLaneReady(event.data)) return;
        worker.removeEventListener('message', listen);
        if (event.data.ok && !this.#ended) this.#lane = lane;
        resolve();
      };
      worker.addEventListener('message', listen);
      this.#counting = lane;
      this.#post({ vicinity: 'lane', buffer: lane.buffer } satisfies LaneMessage);
    });
  }

  #pendingFor(call: number): Pending | undefined {
    const pending = this.#pending.get(call);
    this.#pending.delete(call);
    return pending;
  }

  #post(message: unknown, transfer: Transferable[] = []): void {
    const post = () => this.#worker.postMessage(message, transfer);
    if (this.#counting) this.#counting.posting(post);
    else post();
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
      this.#pending.set(call, { resolve, reject });
      if (this.#lane?.send(call, this.#to, queries, count, request)) return;
      const message = searchMessage(call, this.#to, queries, count, request);
      try {
        this.#post(message, [queries.buffer]);
      } catch (error) {
        // What cannot be cloned fails at once, and alone.
        this.#pending.delete(call);
        throw error;
      }
    });
  }

  /** The worker is gone: its unanswered calls are the supervisor's to fail. */
  end(): void {
    this.#ended = true;
    this.#pending.clear();
    this.#lane?.end();
    this.#counting?.end();
  }
}
