/**
 * Vector searches as vicinity's own messages, beside Comlink's: the hot path.
 *
 * A search goes to the worker as one message holding its queries packed in
 * a transferred Float32Array, and comes back as one message whose hits are
 * columns: ids in one array of strings, distances and scores in two
 * transferred Float64Arrays, the number of hits of each query in a
 * Uint32Array, and metadata only for the hits that have some. Nothing is a
 * per-hit object until the page builds the hits, so neither side clones an
 * object graph per call; the numbers are the worker's own, bit for bit.
 *
 * Both messages travel on the worker's own port, in order with Comlink's,
 * so that a search sent after a write is answered after it. Comlink ignores
 * them: they carry no Comlink message type.
 */
import type { Filter, Metadata } from './types.js';
import type { RawHit, SearchRequest, Timed } from './protocol.js';
import type { WireError } from './wireError.js';

/** Which service of the worker answers: the index, or a read-only replica of it. */
export type SearchTarget = 'index' | 'replica';

export interface SearchMessage {
  readonly vicinity: 'search';
  /** Names the call, to match its answer. */
  readonly call: number;
  readonly to: SearchTarget;
  /** `count` queries, packed. */
  readonly queries: Float32Array;
  readonly count: number;
  readonly k: number;
  readonly efSearch?: number;
  readonly filter?: Filter;
}

/** A search as the worker answers it, from a message or from the shared lane (sharedLane.ts). */
export interface SearchCall {
  readonly call: number;
  readonly to: SearchTarget;
  readonly queries: Float32Array;
  readonly count: number;
  readonly request: SearchRequest;
}

/** Hits of every query, as columns (see the module's comment). */
export interface HitColumns {
  readonly ids: string[];
  readonly distances: Float64Array;
  readonly scores: Float64Array;
  /** Hits of each query, in query order. */
  readonly counts: Uint32Array;
  /** Positions (in `ids`) of the hits that have metadata, ascending; absent when none has. */
  readonly metadataAt?: Uint32Array;
  readonly metadata?: Metadata[];
}

export type HitsMessage =
  | ({ readonly vicinity: 'hits'; readonly call: number; readonly workerMs: number } & HitColumns)
  | { readonly vicinity: 'hits'; readonly call: number; readonly error: WireError };

export function searchMessage(
  call: number,
  to: SearchTarget,
  queries: Float32Array,
  count: number,
  request: SearchRequest,
): SearchMessage {
  const { k, efSearch, filter } = request;
  return {
    vicinity: 'search',
    call,
    to,
    queries,
    count,
    k,
    ...(efSearch === undefined ? {} : { efSearch }),
    ...(filter === undefined ? {} : { filter }),
  };
}

export function isSearchMessage(data: unknown): data is SearchMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === 'search'
  );
}

export function isHitsMessage(data: unknown): data is HitsMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === 'hits'
  );
}

/** What a search message asks, as the services take it (checked there, like any call). */
export function requestOf(message: SearchMessage): SearchRequest {
  const { k, efSearch, filter } = message;
  return { k, efSearch, filter };
}

/** The hits of each query as columns; `transfer` lists the buffers to move. */
export function toColumns(hits: readonly (readonly RawHit[])[]): {
  columns: HitColumns;
  transfer: ArrayBuffer[];
} {
  let total = 0;
  for (const one of hits) total += one.length;
  const ids = new Array<string>(total);
  const distances = new Float64Array(total);
  const scores = new Float64Array(total);
  const counts = new Uint32Array(hits.length);
  const metadataAt: number[] = [];
  const metadata: Metadata[] = [];
  let at = 0;
  hits.forEach((one, q) => {
    counts[q] = one.length;
    for (const hit of one) {
      ids[at] = hit.id;
      distances[at] = hit.distance;
      scores[at] = hit.score;
      if (hit.metadata !== undefined) {
        metadataAt.push(at);
        metadata.push(hit.metadata);
      }
      at++;
    }
  });
  const transfer = [distances.buffer, scores.buffer, counts.buffer];
  if (metadata.length === 0) return { columns: { ids, distances, scores, counts }, transfer };
  const where = Uint32Array.from(metadataAt);
  transfer.push(where.buffer);
  return { columns: { ids, distances, scores, counts, metadataAt: where, metadata }, transfer };
}

/** The hits of each query, built from their columns, fields in the worker's order. */
export function fromColumns(columns: HitColumns): RawHit[][] {
  const { ids, distances, scores, counts, metadataAt, metadata } = columns;
  const out: RawHit[][] = [];
  let at = 0;
  let next = 0;
  for (const count of counts) {
    const hits: RawHit[] = [];
    for (let i = 0; i < count; i++, at++) {
      const hit: RawHit = {
        id: ids[at] as string,
        distance: distances[at] as number,
        score: scores[at] as number,
      };
      if (metadataAt !== undefined && metadataAt[next] === at) {
        hit.metadata = metadata?.[next] as Metadata;
        next++;
      }
      hits.push(hit);
    }
    out.push(hits);
  }
  return out;
}

/** An answer's columns as hits, with the worker's time. */
export function timedHits(message: HitColumns & { readonly workerMs: number }): Timed<RawHit[][]> {
  return { value: fromColumns(message), workerMs: message.workerMs };
}
