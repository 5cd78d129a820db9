import { VicinityError } from '../core/VicinityError.js';
import { compileFilter } from '../filter/compileFilter.js';
import type { Metadata, Metric } from '../core/types.js';
import { assertMetadata } from '../validation/plainData.js';
import { assertIds, assertSearchRequest } from '../validation/validateInput.js';
import { assertPackedVectors } from '../validation/vectors.js';
import type { Engine } from './Engine.js';
import type { EngineParams } from '../core/protocol.js';
import {
  growthPeakBytes,
  indexHeapBytes,
  snapshotBytes,
  usableHeapBytes,
  vectorBytes,
} from '../core/memoryModel.js';
import { bufferSource, readWhole, type SnapshotSource } from '../storage/SnapshotSource.js';
import { encodeSidecar, encodeSnapshot, type Sidecar } from './SnapshotCodec.js';
import type { RawHit, SearchRequest } from '../core/protocol.js';

/**
 * String ids, metadata and filters over an Engine's uint32 labels. Labels are
 * never reused: hnswlib refuses to re-add a label that is marked deleted
 * while replacement of deleted slots is on, so a new id always gets a new
 * label, and its vector may take the slot of a deleted one.
 */
export class VectorCollection {
  readonly params: EngineParams;
  readonly engine: Engine;
  #labelOf = new Map<string, number>();
  #idOf = new Map<number, string>();
  #metadata = new Map<number, Metadata>();
  #nextLabel = 0;
  #efSearch: number;
  #memoryLimit: number;

  constructor(engine: Engine, params: EngineParams, efSearch: number, sidecar?: Sidecar) {
    this.engine = engine;
    this.params = params;
    this.#efSearch = efSearch;
    this.#memoryLimit = usableHeapBytes(engine.kind);
    if (sidecar) {
      sidecar.ids.forEach((id, i) => {
        const label = sidecar.labels[i] as number;
        this.#labelOf.set(id, label);
        this.#idOf.set(label, id);
      });
      for (const [label, metadata] of sidecar.metadata) this.#metadata.set(label, metadata);
      this.#nextLabel = sidecar.nextLabel;
      if (this.#labelOf.size !== sidecar.ids.length) {
        throw new VicinityError('INDEX_CORRUPTED', 'the id map of the snapshot repeats an id');
      }
    }
    engine.setEf(this.#efSearch);
  }

  get size(): number {
    return this.#labelOf.size;
  }

  /** Slots held by removed vectors until new ones reuse them. */
  get deleted(): number {
    return this.engine.count() - this.#labelOf.size;
  }

  get efSearch(): number {
    return this.#efSearch;
  }

  set efSearch(ef: number) {
    this.#efSearch = ef;
    this.engine.setEf(ef);
  }

  /** The heap the index takes by the model, as `estimate` would give it for this capacity. */
  modelledHeapBytes(): number {
    return indexHeapBytes(this.params, this.engine.capacity(), this.engine.count());
  }

  /** The heap a write may grow the engine to: the engine's limit, or a lower one the caller set. */
  get memoryLimit(): number {
    return this.#memoryLimit;
  }

  set memoryLimit(bytes: number) {
    this.#memoryLimit = Math.min(bytes, usableHeapBytes(this.engine.kind));
  }

  /** Rough size of a snapshot: vectors, links at level 0 and ids. */
  estimatedBytes(): number {
    return snapshotBytes(this.params, this.engine.count());
  }

  /** Validates the whole batch first, so that a bad item changes nothing. */
  upsert(ids: unknown[], vectors: unknown, metadata: unknown[]): void {
    const { dimensions, metric } = this.params;
    assertIds(ids, 'items');
    assertPackedVectors(vectors, ids.length, dimensions, metric);
    if (!Array.isArray(metadata) || metadata.length !== ids.length) {
      throw new VicinityError('INVALID_METADATA', 'one metadata entry per item is expected');
    }
    metadata.forEach((m, i) => assertMetadata(m, `items[${i}]`));

    // hnswlib-wasm refuses even an in-place update once the index is full,
    // so every item of the batch needs a free slot, new or not.
    this.#makeRoom(ids.length);
    ids.forEach((id, i) => {
      const vector = vectors.subarray(i * dimensions, (i + 1) * dimensions);
      const existing = this.#labelOf.get(id);
      if (existing !== undefined) {
        this.engine.add(vector, existing, false);
      } else {
        const label = this.#nextLabel++;
        this.engine.add(vector, label, true);
        this.#labelOf.set(id, label);
        this.#idOf.set(label, id);
      }
      const label = this.#labelOf.get(id) as number;
      const m = metadata[i] as Metadata | undefined;
      if (m === undefined) this.#metadata.delete(label);
      else this.#metadata.set(label, m);
    });
  }

  /**
   * Grows the capacity for `adding` more slots, by half again when that fits
   * under the memory limit, or by just enough when only that does; fails
   * with MEMORY_LIMIT, before anything changes, when neither would. The check
   * is the heap model's (memoryModel.ts), so that a growth the heap cannot
   * take is refused before hnswlib tries it, rather than leaving the module
   * to fail in the middle of an allocation.
   */
  #makeRoom(adding: number): void {
    const { engine, params } = this;
    const count = engine.count();
    const capacity = engine.capacity();
    const needed = count + adding;
    const now = indexHeapBytes(params, capacity, count);
    const peak = (to: number) => growthPeakBytes(params, capacity, to, needed);
    if (needed <= capacity) {
      const after = now + adding * vectorBytes(params);
      if (after > this.#memoryLimit) throw this.#tooBig(needed, after);
      return;
    }
    const roomy = Math.max(needed, Math.ceil(capacity * 1.5), 1024);
    const to = [roomy, needed].find((c) => peak(c) <= this.#memoryLimit);
    if (to === undefined) throw this.#tooBig(needed, peak(needed));
    engine.resize(to);
  }

  /**
   * Fails with MEMORY_LIMIT when an index of `count` vectors in `capacity`
   * slots, with these parameters, would not fit under the memory limit.
   */
  assertHeapRoom(capacity: number, count: number, params: EngineParams = this.params): void {
    const bytes = indexHeapBytes(params, capacity, count);
    if (bytes > this.#memoryLimit) throw this.#tooBig(count, bytes, params.dimensions);
  }

  #tooBig(vectors: number, bytes: number, dimensions = this.params.dimensions): VicinityError {
    const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
    return new VicinityError(
      'MEMORY_LIMIT',
      `${vectors} vectors of ${dimensions} dimensions need about ${mib(bytes)} of WASM heap, ` +
        `over the limit of ${mib(this.#memoryLimit)}; nothing was written`,
    );
  }

  /** The metadata of a live id. */
  metadataOf(id: string): Metadata | undefined {
    const label = this.#labelOf.get(id);
    return label === undefined ? undefined : this.#metadata.get(label);
  }

  /** Live ids. */
  ids(): IterableIterator<string> {
    return this.#labelOf.keys();
  }

  /** Removes the ids that exist; returns how many did. */
  remove(ids: unknown[]): number {
    assertIds(ids, 'ids');
    let removed = 0;
    for (const id of ids) {
      const label = this.#labelOf.get(id);
      if (label === undefined) continue;
      this.engine.markDeleted(label);
      this.#labelOf.delete(id);
      this.#idOf.delete(label);
      this.#metadata.delete(label);
      removed++;
    }
    return removed;
  }

  /**
   * All queries in one engine call; hits per query, best first. The filter
   * runs inside the graph search, so that k hits come back whenever k items
   * match. If a very selective filter leaves the graph walk short, the
   * matching items are ranked exactly instead.
   */
  searchBatch(queries: Float32Array, count: number, request: SearchRequest): RawHit[][] {
    assertSearchRequest(request);
    const k = Math.min(request.k, this.size);
    if (k === 0 || count === 0) return Array.from({ length: count }, () => []);
    const predicate = request.filter === undefined ? undefined : compileFilter(request.filter);
    const accept = predicate && ((label: number) => predicate(this.#metadata.get(label)));
    const ef = request.efSearch ?? this.#efSearch;
    if (ef !== this.#efSearch) this.engine.setEf(ef);
    let result;
    try {
      result = this.engine.searchBatch(queries, count, k, accept);
    } finally {
      if (ef !== this.#efSearch) this.engine.setEf(this.#efSearch);
    }
    const { dimensions } = this.params;
    const out: RawHit[][] = [];
    for (let q = 0; q < count; q++) {
      const n = result.counts[q] ?? 0;
      let labels = Array.from(result.labels.subarray(q * k, q * k + n));
      let distances = Array.from(result.distances.subarray(q * k, q * k + n), finiteDistance);
      // A very selective filter can leave the graph walk short: rank the matches exactly.
      if (accept && n < k) {
        ({ labels, distances } = this.#exact(
          queries.subarray(q * dimensions, (q + 1) * dimensions),
          k,
          accept,
        ));
      }
      const order = labels
        .map((_, i) => i)
        .sort((a, b) => (distances[a] as number) - (distances[b] as number));
      out.push(order.map((i) => this.#hit(labels[i] as number, distances[i] as number)));
    }
    return out;
  }

  /**
   * The true nearest neighbours, by comparing every matching item: the
   * reference a recall estimate is measured against. Each stored vector is
   * read once for all the queries. `range` limits it to a slice of the items
   * (in a fixed order while nothing is written), so that a caller can spread
   * the work over several short calls and merge the answers by distance.
   */
  exactBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
    range: { offset: number; limit: number } = { offset: 0, limit: Infinity },
  ): RawHit[][] {
    assertSearchRequest(request);
    const k = Math.min(request.k, this.size);
    const predicate = request.filter === undefined ? undefined : compileFilter(request.filter);
    const { dimensions, metric } = this.params;
    const views = Array.from({ length: count }, (_, q) =>
      queries.subarray(q * dimensions, (q + 1) * dimensions),
    );
    // Per query, the best k so far as [label, distance], sorted by distance.
    const best: [number, number][][] = views.map(() => []);
    const labels = [...this.#idOf.keys()].slice(range.offset, range.offset + range.limit);
    for (const label of labels) {
      if (predicate && !predicate(this.#metadata.get(label))) continue;
      const vector = this.engine.getVector(label);
      views.forEach((query, q) => {
        const top = best[q] as [number, number][];
        const distance = finiteDistance(engineDistance(metric, query, vector));
        if (top.length === k && distance >= (top[k - 1] as [number, number])[1]) return;
        let at = top.length;
        while (at > 0 && (top[at - 1] as [number, number])[1] > distance) at--;
        top.splice(at, 0, [label, distance]);
        if (top.length > k) top.pop();
      });
    }
    return best.map((top) => top.map(([label, distance]) => this.#hit(label, distance)));
  }

  assertQuery(query: unknown, count: number): asserts query is Float32Array {
    assertPackedVectors(query, count, this.params.dimensions, this.params.metric);
  }

  #exact(query: Float32Array, k: number, accept: (label: number) => boolean) {
    const scored: [number, number][] = [];
    for (const label of this.#idOf.keys()) {
      if (!accept(label)) continue;
      scored.push([
        label,
        finiteDistance(engineDistance(this.params.metric, query, this.engine.getVector(label))),
      ]);
    }
    scored.sort((a, b) => a[1] - b[1]);
    const top = scored.slice(0, k);
    return { labels: top.map((s) => s[0]), distances: top.map((s) => s[1]) };
  }

  /**
   * A hit from the engine's distance. Accepted vectors keep every distance
   * finite (LIMITS.vector); finiteDistance guards a snapshot written before
   * those limits. Under cosine the engine's 1 - dot of two float32 unit
   * vectors can stray just past [0, 2]: it is clamped, so that a score is a
   * cosine, in [-1, 1].
   */
  #hit(label: number, engineDist: number): RawHit {
    const id = this.#idOf.get(label);
    if (id === undefined)
      throw new VicinityError('ENGINE_ERROR', `the engine returned unknown label ${label}`);
    const { metric } = this.params;
    const d = finiteDistance(engineDist);
    let hit: RawHit;
    if (metric === 'l2') {
      const distance = Math.sqrt(Math.max(0, d));
      hit = { id, distance, score: -distance };
    } else {
      const distance = metric === 'cosine' ? Math.min(2, Math.max(0, d)) : d;
      hit = { id, distance, score: 1 - distance };
    }
    const metadata = this.#metadata.get(label);
    if (metadata !== undefined) hit.metadata = metadata;
    return hit;
  }

  /**
   * The snapshot bytes: the engine's index, then ids, metadata and the text
   * index, if any. Where the engine streams, its bytes are read out a window
   * at a time into the worker's JS heap, so that its WASM heap never holds a
   * second copy of the index (replicas and exports need no room beside it).
   */
  async snapshot(text?: unknown): Promise<{ bytes: Uint8Array; engineByteLength: number }> {
    const stream = this.engine.serializeStream?.();
    const engineBytes = stream ? readWhole(stream) : await this.engine.serialize();
    return {
      bytes: encodeSnapshot(engineBytes, this.#sidecar(text)),
      engineByteLength: engineBytes.byteLength,
    };
  }

  /**
   * The same snapshot as two sources to be read in turn, the engine's bytes
   * and the sidecar, without a full copy where the engine streams (see
   * Engine.serializeStream). Nothing may change until both are closed.
   */
  async snapshotParts(text?: unknown): Promise<[engine: SnapshotSource, sidecar: SnapshotSource]> {
    const engine = this.engine.serializeStream?.() ?? bufferSource(await this.engine.serialize());
    return [engine, bufferSource(encodeSidecar(this.#sidecar(text)))];
  }

  /** Ids, labels, metadata and, when given, the text index (saved in the same generation). */
  #sidecar(text?: unknown): Sidecar {
    return {
      nextLabel: this.#nextLabel,
      efSearch: this.#efSearch,
      ids: [...this.#labelOf.keys()],
      labels: [...this.#labelOf.values()],
      metadata: [...this.#metadata.entries()],
      ...(text === undefined ? {} : { text }),
    };
  }
}

/**
 * A distance that sorts and scores as a number: NaN is the worst there is,
 * and ±Infinity the largest finite values.
 */
function finiteDistance(d: number): number {
  if (Number.isNaN(d)) return Number.MAX_VALUE;
  return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, d));
}

/** The engine's distance for one pair, in its own units (see BatchResult). */
export function engineDistance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
    l2 += (x - y) * (x - y);
  }
  if (metric === 'l2') return l2;
  if (metric === 'ip') return 1 - dot;
  return 1 - dot / Math.sqrt(aa * bb);
}
