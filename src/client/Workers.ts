import type { RawHit, SearchRequest, Timed } from '../core/protocol.js';
import { PER_QUERY_MS } from './allowances.js';
import type { PrimaryWorker } from './PrimaryWorker.js';
import type { ReplicaPool } from './ReplicaPool.js';

/** A search waiting for the end of the task, to travel with the others of that task. */
interface Waiting {
  readonly query: Float32Array;
  readonly request: SearchRequest;
  readonly resolve: (answer: Timed<RawHit[]>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The workers of one index, and which of them answers a search: the primary
 * holds the index and takes every write; read-only replicas share its
 * searches. A search goes to a replica that holds the index as last written
 * when the primary is busy; a batch is split across all such workers.
 *
 * Searches made in the same task travel together: each waits for the end of
 * the task (a microtask, not a timer), and those with the same k and
 * efSearch and no filter go as one batch and come back in one message. A
 * write flushes the searches made before it, so that they are sent first.
 */
export class Workers {
  readonly primary: PrimaryWorker;
  readonly replicas: ReplicaPool;
  /** Queries the primary answered since open (stats().workers.served). */
  #servedByPrimary = 0;
  #waiting: Waiting[] = [];

  constructor(primary: PrimaryWorker, replicas: ReplicaPool) {
    this.primary = primary;
    this.replicas = replicas;
  }

  /** What stats().workers reports. */
  counts(): { total: number; current: number; served: number[] } {
    return {
      total: this.replicas.size + 1,
      current: this.replicas.current + 1,
      served: [this.#servedByPrimary, ...this.replicas.served],
    };
  }

  /** One query; `query` is transferred away. */
  search(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) queueMicrotask(() => this.flush());
      this.#waiting.push({ query, request, resolve, reject });
    });
  }

  /** Sends the searches waiting for the end of the task: those alike in one batch each. */
  flush(): void {
    const waiting = this.#waiting;
    if (waiting.length === 0) return;
    this.#waiting = [];
    // One awaited search at a time, the common case: straight to a worker.
    if (waiting.length === 1) {
      const [only] = waiting as [Waiting];
      this.#one(only.query, only.request).then(only.resolve, only.reject);
      return;
    }
    const groups = new Map<string, Waiting[]>();
    for (const one of waiting) {
      const { k, efSearch, filter } = one.request;
      // A filtered search goes alone: comparing filters would cost more than the message.
      const key = filter === undefined ? `${k}|${efSearch ?? ''}` : `filtered:${groups.size}`;
      const group = groups.get(key);
      if (group) group.push(one);
      else groups.set(key, [one]);
    }
    for (const group of groups.values()) {
      const [first] = group as [Waiting];
      if (group.length === 1) {
        this.#one(first.query, first.request).then(first.resolve, first.reject);
        continue;
      }
      const dim = first.query.length;
      const packed = new Float32Array(group.length * dim);
      group.forEach((one, i) => packed.set(one.query, i * dim));
      this.searchBatch(packed, group.length, first.request).then(
        ({ value, workerMs }) =>
          group.forEach((one, i) => one.resolve({ value: value[i] ?? [], workerMs })),
        (error: unknown) => group.forEach((one) => one.reject(error)),
      );
    }
  }

  async #one(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>> {
    const replica = this.replicas.pick(this.primary.inFlight);
    if (replica) {
      return this.replicas.run(replica, 1, (r) => r.search(query, request));
    }
    const answer = await this.primary.call((_, channel) => channel.search(query, request));
    this.#servedByPrimary++;
    return answer;
  }

  /** `count` queries packed in `packed` (transferred away): one call, or one part per current worker. */
  async searchBatch(
    packed: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    const replicas = this.replicas.currentReplicas();
    if (replicas.length === 0 || count < 2 * (replicas.length + 1)) {
      const answer = await this.primary.call(
        (_, channel) => channel.searchBatch(packed, count, request),
        count * PER_QUERY_MS,
      );
      this.#servedByPrimary += count;
      return answer;
    }
    // Split the batch across the primary and every current replica, one part each.
    const dim = packed.length / count;
    const per = Math.ceil(count / (replicas.length + 1));
    const size = (i: number) => Math.max(0, Math.min(count, (i + 1) * per) - i * per);
    const part = (i: number) => packed.slice(i * per * dim, (i * per + size(i)) * dim);
    const results = await Promise.all([
      this.primary
        .call((_, channel) => channel.searchBatch(part(0), size(0), request), per * PER_QUERY_MS)
        .then((answer) => {
          this.#servedByPrimary += size(0);
          return answer;
        }),
      ...replicas.map((replica, r) =>
        this.replicas.run(replica, size(r + 1), (target) =>
          target.searchBatch(part(r + 1), size(r + 1), request),
        ),
      ),
    ]);
    // The parts ran side by side: the caller waited for the slowest.
    return {
      value: results.flatMap((answer) => answer.value),
      workerMs: Math.max(...results.map((answer) => answer.workerMs)),
    };
  }

  /** A write is about to be sent: searches made before it go first; replicas are out of date. */
  changed(): void {
    this.flush();
    this.replicas.changed();
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.replicas.close()]);
  }
}
