/**
 * The shared lane: one search at a time through a SharedArrayBuffer, for a
 * page that is cross-origin isolated. It carries the same requests and
 * answers as the search messages (searchWire.ts), without a message: the
 * page writes a request and wakes the worker with `Atomics.notify`; the
 * worker writes the hits back and wakes the page, which waits with
 * `Atomics.waitAsync`. What the lane cannot carry (a filter, an answer too
 * big for its area, an error) goes as a message instead.
 *
 * Order against the port: the page counts every message it posts on the
 * worker's port (POSTED), and a request holds that count (AFTER). The worker
 * takes a request only once it has received that many messages, and before
 * it reads the next one, so that a search is answered after every call sent
 * before it and before every call sent after it, as on the port.
 *
 * This module is the buffer's layout, read and written alike by both sides.
 * Each side loads it only once the lane opens (see laneMessages.ts).
 */
import type { Metadata } from './types.js';
import type { HitColumns, SearchCall, SearchTarget } from './searchWire.js';
import type { SearchRequest } from './protocol.js';

/** Int32 slots of the header. */
const Slot = {
  /**
   * Bumped by the page for every request and every message it posts: the
   * worker waits on Bell from its event loop, and on HotBell while it stays
   * awake for the next request (Awake 1), so that a ring wakes one waiter.
   */
  Bell: 0,
  HotBell: 13,
  Awake: 14,
  /** Messages the page has posted on the worker's port. */
  Posted: 1,
  /** The lane's state (LaneState): the page waits on it. */
  State: 2,
  Call: 3,
  /** Messages posted before the request: the worker must have read them first. */
  After: 4,
  To: 5,
  QueryLength: 6,
  HasEfSearch: 7,
  /** Of the answer: queries, hits, UTF-16 units of the ids, hits with metadata, units of their JSON. */
  Answered: 8,
  Hits: 9,
  IdUnits: 10,
  WithMetadata: 11,
  MetadataUnits: 12,
} as const;
const INT_SLOTS = 16;
/** Float64 slots, after the Int32 ones: numbers a request carries as the caller gave them. */
const Wide = { Count: 0, K: 1, EfSearch: 2, WorkerMs: 3 } as const;
const WIDE_SLOTS = 4;
const HEADER_BYTES = INT_SLOTS * 4 + WIDE_SLOTS * 8;

/** The lane's state, in Slot.State. */
export const LaneState = {
  /** Free for a request. */
  Idle: 0,
  /** A request waits for the worker. */
  Requested: 1,
  /** The worker is answering it. */
  Taken: 2,
  /** The answer is in the buffer. An answer sent as a message sets Idle instead. */
  Answered: 3,
} as const;

/** Room for queries: 16 queries of 1,024 dimensions. */
const REQUEST_BYTES = 64 * 1024;
/** Room for hits: about 2,000 hits with short ids. */
const ANSWER_BYTES = 192 * 1024;
export const LANE_BYTES = HEADER_BYTES + REQUEST_BYTES + ANSWER_BYTES;

/** An answer as the page reads it from the lane. */
export type LaneAnswer = HitColumns & { readonly workerMs: number };

/** Whether the lane carries this request: plain numbers, no filter, queries that fit. */
export function laneCarries(queries: Float32Array, count: number, request: SearchRequest): boolean {
  const { k, efSearch, filter } = request;
  return (
    filter === undefined &&
    typeof k === 'number' &&
    (efSearch === undefined || typeof efSearch === 'number') &&
    typeof count === 'number' &&
    queries instanceof Float32Array &&
    queries.byteLength <= REQUEST_BYTES
  );
}

export class SharedLane {
  readonly buffer: SharedArrayBuffer;
  readonly ints: Int32Array;
  readonly #wide: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(LANE_BYTES)) {
    this.buffer = buffer;
    this.ints = new Int32Array(buffer, 0, INT_SLOTS);
    this.#wide = new Float64Array(buffer, INT_SLOTS * 4, WIDE_SLOTS);
  }

  get state(): number {
    return Atomics.load(this.ints, Slot.State);
  }

  /** Sets the state and wakes whoever waits on it. */
  settle(state: number): void {
    Atomics.store(this.ints, Slot.State, state);
    Atomics.notify(this.ints, Slot.State);
  }

  get posted(): number {
    return Atomics.load(this.ints, Slot.Posted);
  }

  /** The page is about to post a message (`by` 1), or failed to (`by` -1). */
  countPosted(by: 1 | -1): void {
    Atomics.add(this.ints, Slot.Posted, by);
  }

  /**
   * Wakes the worker: there is a request, or a message, to read. It comes
   * after the write it announces, and the worker clears Awake before its
   * last look at the lane, so that one of them sees the other.
   */
  ring(): void {
    const bell = Atomics.load(this.ints, Slot.Awake) === 1 ? Slot.HotBell : Slot.Bell;
    Atomics.add(this.ints, bell, 1);
    Atomics.notify(this.ints, bell);
  }

  /** The worker's side: the value of the bell it waits on from its event loop. */
  get bell(): number {
    return Atomics.load(this.ints, Slot.Bell);
  }

  /** Resolves once Bell moves on from `seen`; undefined if it has already. */
  whenRung(seen: number): Promise<unknown> | undefined {
    return changed(this.ints, Slot.Bell, seen);
  }

  /** The worker's side: it waits for the next request on HotBell (true), or no longer (false). */
  set awake(awake: boolean) {
    Atomics.store(this.ints, Slot.Awake, awake ? 1 : 0);
  }

  get hotBell(): number {
    return Atomics.load(this.ints, Slot.HotBell);
  }

  /** The worker's side: blocks until HotBell moves on from `seen`, for at most `ms`. */
  sleep(seen: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.ints, Slot.HotBell, seen, ms);
  }

  /** Resolves once the state moves on from `state`; undefined if it has already. */
  whenSettled(state: number): Promise<unknown> | undefined {
    return changed(this.ints, Slot.State, state);
  }

  /** The page's side: writes a request (laneCarries said yes) and marks it Requested. */
  request(
    call: number,
    to: SearchTarget,
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): void {
    const { ints } = this;
    ints[Slot.Call] = call;
    ints[Slot.After] = this.posted;
    ints[Slot.To] = to === 'index' ? 0 : 1;
    ints[Slot.QueryLength] = queries.length;
    ints[Slot.HasEfSearch] = request.efSearch === undefined ? 0 : 1;
    this.#wide[Wide.Count] = count;
    this.#wide[Wide.K] = request.k;
    this.#wide[Wide.EfSearch] = request.efSearch ?? 0;
    new Float32Array(this.buffer, HEADER_BYTES, queries.length).set(queries);
    Atomics.store(ints, Slot.State, LaneState.Requested);
    this.ring();
  }

  /**
   * The worker's side: takes the waiting request once `received` messages
   * have been read, or returns undefined. The queries are copied out.
   */
  take(received: number): SearchCall | undefined {
    const { ints } = this;
    if (Atomics.load(ints, Slot.State) !== LaneState.Requested) return undefined;
    if (Atomics.load(ints, Slot.After) > received) return undefined;
    Atomics.store(ints, Slot.State, LaneState.Taken);
    const queries = new Float32Array(Atomics.load(ints, Slot.QueryLength));
    queries.set(new Float32Array(this.buffer, HEADER_BYTES, queries.length));
    const efSearch = ints[Slot.HasEfSearch] === 1 ? this.#wide[Wide.EfSearch] : undefined;
    return {
      call: Atomics.load(ints, Slot.Call),
      to: ints[Slot.To] === 0 ? 'index' : 'replica',
      queries,
      count: this.#wide[Wide.Count] as number,
      request: { k: this.#wide[Wide.K] as number, efSearch },
    };
  }

  /** The call whose request or answer the lane holds. */
  get call(): number {
    return Atomics.load(this.ints, Slot.Call);
  }

  /**
   * The worker's side: writes the answer and marks it Answered, or returns
   * false, leaving the lane as it was, when it does not fit: the answer then
   * goes as a message.
   */
  answer(columns: HitColumns, workerMs: number): boolean {
    // Metadata is checked to be JSON that survives JSON unchanged (see plainData.ts).
    const metadataJson = columns.metadata === undefined ? '' : JSON.stringify(columns.metadata);
    const { ids, distances, scores, counts, metadataAt } = columns;
    let idUnits = 0;
    for (const id of ids) idUnits += id.length;
    const layout = answerLayout(
      counts.length,
      ids.length,
      metadataAt?.length ?? 0,
      idUnits,
      metadataJson.length,
    );
    if (layout.end > ANSWER_BYTES) return false;
    const at = HEADER_BYTES + REQUEST_BYTES;
    const { buffer, ints } = this;
    new Uint32Array(buffer, at + layout.counts, counts.length).set(counts);
    const ends = new Uint32Array(buffer, at + layout.idEnds, ids.length);
    const units = new Uint16Array(buffer, at + layout.units, idUnits + metadataJson.length);
    let unit = 0;
    ids.forEach((id, i) => {
      for (let c = 0; c < id.length; c++) units[unit++] = id.charCodeAt(c);
      ends[i] = unit;
    });
    for (let c = 0; c < metadataJson.length; c++) units[unit++] = metadataJson.charCodeAt(c);
    if (metadataAt)
      new Uint32Array(buffer, at + layout.metadataAt, metadataAt.length).set(metadataAt);
    new Float64Array(buffer, at + layout.distances, ids.length).set(distances);
    new Float64Array(buffer, at + layout.scores, ids.length).set(scores);
    ints[Slot.Answered] = counts.length;
    ints[Slot.Hits] = ids.length;
    ints[Slot.IdUnits] = idUnits;
    ints[Slot.WithMetadata] = metadataAt?.length ?? 0;
    ints[Slot.MetadataUnits] = columns.metadata === undefined ? -1 : metadataJson.length;
    this.#wide[Wide.WorkerMs] = workerMs;
    this.settle(LaneState.Answered);
    return true;
  }

  /** The page's side: reads the answer (state Answered) and frees the lane. */
  read(): LaneAnswer {
    const { buffer, ints } = this;
    const answered = Atomics.load(ints, Slot.Answered);
    const hits = Atomics.load(ints, Slot.Hits);
    const idUnits = Atomics.load(ints, Slot.IdUnits);
    const withMetadata = Atomics.load(ints, Slot.WithMetadata);
    const metadataUnits = Atomics.load(ints, Slot.MetadataUnits);
    const layout = answerLayout(answered, hits, withMetadata, idUnits, Math.max(metadataUnits, 0));
    const at = HEADER_BYTES + REQUEST_BYTES;
    const units = new Uint16Array(buffer, at + layout.units, idUnits + Math.max(metadataUnits, 0));
    const ends = new Uint32Array(buffer, at + layout.idEnds, hits);
    const ids = new Array<string>(hits);
    let start = 0;
    for (let i = 0; i < hits; i++) {
      const end = ends[i] as number;
      ids[i] = decodeUnits(units, start, end);
      start = end;
    }
    const columns = {
      ids,
      counts: new Uint32Array(buffer, at + layout.counts, answered).slice(),
      distances: new Float64Array(buffer, at + layout.distances, hits).slice(),
      scores: new Float64Array(buffer, at + layout.scores, hits).slice(),
      workerMs: this.#wide[Wide.WorkerMs] as number,
    };
    const answer =
      metadataUnits < 0
        ? columns
        : {
            ...columns,
            metadataAt: new Uint32Array(buffer, at + layout.metadataAt, withMetadata).slice(),
            metadata: JSON.parse(
              decodeUnits(units, idUnits, idUnits + metadataUnits),
            ) as Metadata[],
          };
    this.settle(LaneState.Idle);
    return answer;
  }
}

/** `Atomics.waitAsync` (ES2024, not in this project's lib). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

function changed(ints: Int32Array, slot: number, from: number): Promise<unknown> | undefined {
  const waiting = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(ints, slot, from);
  return waiting.async ? waiting.value : undefined;
}

/** Byte offsets in the answer area: 32-bit columns, then 64-bit, then UTF-16 text. */
function answerLayout(
  answered: number,
  hits: number,
  withMetadata: number,
  idUnits: number,
  metadataUnits: number,
) {
  const counts = 0;
  const idEnds = counts + answered * 4;
  const metadataAt = idEnds + hits * 4;
  const distances = Math.ceil((metadataAt + withMetadata * 4) / 8) * 8;
  const scores = distances + hits * 8;
  const units = scores + hits * 8;
  return {
    counts,
    idEnds,
    metadataAt,
    distances,
    scores,
    units,
    end: units + (idUnits + metadataUnits) * 2,
  };
}

/** Text from UTF-16 units, in slices that stay well under any argument limit. */
function decodeUnits(units: Uint16Array, start: number, end: number): string {
  let text = '';
  for (let from = start; from < end; from += 4096) {
    text += String.fromCharCode.apply(
      null,
      units.subarray(from, Math.min(end, from + 4096)) as unknown as number[],
    );
  }
  return text;
}
