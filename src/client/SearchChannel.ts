import type { RawHit, SearchApi, SearchRequest, Timed } from '../core/protocol.js';
import { isHitsMessage, searchMessage, timedHits, type SearchTarget } from '../core/searchWire.js';
import { fromWireError } from '../core/wireError.js';

interface Pending {
  readonly resolve: (answer: Timed<RawHit[][]>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The page's end of a worker's search messages (see searchWire.ts): each
 * search is one message out, with its queries transferred, and one back.
 * Deadlines and crashes are the caller's to watch, as for any call to the
 * worker (PrimaryWorker, ReplicaPool): a call whose worker is stopped is
 * simply never answered here, and `end` forgets it.
 */
export class SearchChannel implements SearchApi {
  readonly #worker: Worker;
  readonly #to: SearchTarget;
  #next = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(worker: Worker, to: SearchTarget) {
    this.#worker = worker;
    this.#to = to;
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const { data } = event;
      if (!isHitsMessage(data)) return;
      const pending = this.#pending.get(data.call);
      if (!pending) return;
      this.#pending.delete(data.call);
      if ('error' in data) pending.reject(fromWireError(data.error));
      else pending.resolve(timedHits(data));
    });
  }

  /** One query; its buffer is transferred away. */
  async search(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>> {
    const { value, workerMs } = await this.searchBatch(query, 1, request);
    return { value: value[0] ?? [], workerMs };
  }

  /** `count` queries packed in `queries`, whose buffer is transferred away. */
  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    return new Promise((resolve, reject) => {
      const call = this.#next++;
      const message = searchMessage(call, this.#to, queries, count, request);
      // Posting throws at once for what cannot be cloned: the call fails alone.
      this.#worker.postMessage(message, [queries.buffer]);
      this.#pending.set(call, { resolve, reject });
    });
  }

  /** The worker is gone: its unanswered calls are the supervisor's to fail. */
  end(): void {
    this.#pending.clear();
  }
}
