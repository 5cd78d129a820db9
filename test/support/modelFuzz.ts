// Model-based fuzzing of VectorIndex, run in the page by test/browser/model.spec.ts.
// fast-check generates sequences of commands; each runs against a real index
// (worker, WASM engine, IndexedDB) and against a plain-JS model: a Map of the
// live items, a copy of the last saved ones, and a brute-force search.
import fc from 'fast-check';
import { VectorIndex, VicinityError } from '../../src/index.js';
import type { Filter, Hit, Metadata, SearchResult, VicinityErrorCode } from '../../src/index.js';

export type EngineName = 'simd' | 'hnswlib-wasm';
type Metric = 'l2' | 'cosine';

export interface FuzzOptions {
  readonly engine: EngineName;
  /** Sequences to run (fast-check's numRuns). */
  readonly runs: number;
  readonly seed: number;
  /**
   * A failure's fast-check path and the replayPath of its commands, to replay
   * only that sequence (then every sequence gets a fresh index).
   */
  readonly path?: string;
  readonly replayPath?: string;
  /** Sequences that share one index before it is deleted and a fresh one opened; 1 = a fresh index per sequence. */
  readonly freshEvery: number;
  readonly maxCommands: number;
  /** Relative weight of close + reopen among the commands (the others weigh 98 together). */
  readonly reopenWeight: number;
  /** fast-check stops, and reports the run as failed, after this many ms. */
  readonly timeLimitMs: number;
}

export interface FuzzResult {
  readonly failed: boolean;
  /** fast-check's report: seed, path, counterexample and error. Empty when passed. */
  readonly report: string;
  /** What replays the shrunk counterexample alone, with the same seed. */
  readonly replay: { readonly path: string; readonly replayPath: string | undefined } | null;
  readonly numRuns: number;
  readonly numShrinks: number;
  readonly ms: number;
  /** Calls of the property, including those of shrinking. */
  readonly sequences: number;
  readonly commands: number;
  readonly freshIndexes: number;
  /** Per command kind: how often it ran and the mean time it took, in ms. */
  readonly byKind: Record<string, { count: number; meanMs: number }>;
  /** Hits whose id differed from the model's at the same rank, allowed because their distances tie. */
  readonly nearTies: number;
  readonly hitsChecked: number;
  readonly filteredHits: number;
  readonly cachedAnswers: number;
  /** IndexedDB databases of this run's indexes (snapshots, cache, query log) left after it deleted them. */
  readonly leftOver: string[];
}

// ---------------------------------------------------------------------------
// The model

interface Entry {
  /** As the index holds it: rounded to float32. */
  readonly vector: Float32Array;
  readonly metadata: Metadata | undefined;
  /** The item's text; an upsert without one leaves none. */
  readonly text: string | undefined;
}

interface Model {
  readonly metric: Metric;
  readonly dims: number;
  live: Map<string, Entry>;
  /** What a reopen brings back: the last save, or null before the first one. */
  saved: { items: Map<string, Entry>; generation: number; efSearch: number } | null;
  generation: number;
  unsaved: number;
  /** The index's default efSearch (saved with it). */
  efSearch: number;
  /** The last few searches, for `search again`: repeated queries are answered by the query cache. */
  recent: { query: GeneratedQuery; search: GeneratedSearch }[];
}

interface Real {
  index: VectorIndex;
  readonly name: string;
}

/** Ids of the items; a pool this small makes upserts replace and removes hit. */
const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] as const;
/** Ids that no upsert uses: removing them must report 0. */
const GHOSTS = ['ghost-1', 'ghost-2'] as const;
/** cosine indexes get 3 dimensions and l2 ones 4: both widths are covered. */
const DIMS: Record<Metric, number> = { cosine: 3, l2: 4 };
const MAX_DIMS = 4;
/** Larger than every slot the graph can hold here, so a search visits them all. */
const EXHAUSTIVE_EF = 200;
/** float32 storage and SIMD sums against float64 in the model. */
const DISTANCE_TOLERANCE = 1e-4;

function distance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    aa += x * x;
    bb += y * y;
    l2 += (x - y) * (x - y);
  }
  // Hit.distance: Euclidean for l2, 1 - cos for cosine.
  return metric === 'l2' ? Math.sqrt(l2) : 1 - dot / Math.sqrt(aa * bb);
}

// ---------------------------------------------------------------------------
// Filters: a small language of its own, turned into a vicinity Filter and
// evaluated here without the library's compileFilter.

type Field = 'color' | 'n' | 'tags';
type Scalar = string | number | boolean | null;
type FilterSpec =
  | { op: 'eq'; field: Field; value: Scalar; bare: boolean }
  | { op: 'ne'; field: Field; value: Scalar }
  | { op: 'in' | 'nin'; field: Field; values: Scalar[] }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; field: Field; value: number | string }
  | { op: 'range'; field: Field; low: number; high: number }
  | { op: 'fields'; parts: FilterSpec[] }
  | { op: 'and' | 'or'; children: FilterSpec[] };

function toFilter(spec: FilterSpec): Filter {
  switch (spec.op) {
    case 'eq':
      return { [spec.field]: spec.bare ? spec.value : { $eq: spec.value } };
    case 'ne':
      return { [spec.field]: { $ne: spec.value } };
    case 'in':
    case 'nin':
      return { [spec.field]: { [`$${spec.op}`]: spec.values } };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [spec.field]: { [`$${spec.op}`]: spec.value } };
    case 'range':
      return { [spec.field]: { $gt: spec.low, $lte: spec.high } };
    case 'fields':
      return Object.assign({}, ...spec.parts.map(toFilter)) as Filter;
    case 'and':
    case 'or':
      return { [`$${spec.op}`]: spec.children.map(toFilter) };
  }
}

/**
 * The documented semantics: a bare value is $eq; an array field matches
 * $eq/$in when any element does; $ne/$nin match items without the field;
 * ranges compare numbers with numbers and strings with strings only.
 */
function matches(spec: FilterSpec, m: Metadata | undefined): boolean {
  const has = (field: Field) => m !== undefined && Object.hasOwn(m, field);
  const anyOf = (field: Field, ok: (v: unknown) => boolean) => {
    if (!has(field)) return false;
    const v: unknown = m![field];
    return Array.isArray(v) ? v.some(ok) : ok(v);
  };
  const ordered = (field: Field, value: number | string, test: (c: number) => boolean) => {
    if (!has(field)) return false;
    const v: unknown = m![field];
    if (typeof v !== typeof value) return false;
    const a = v as number | string;
    return test(a < value ? -1 : a > value ? 1 : 0);
  };
  switch (spec.op) {
    case 'eq':
      return anyOf(spec.field, (v) => v === spec.value);
    case 'ne':
      return !anyOf(spec.field, (v) => v === spec.value);
    case 'in':
      return anyOf(spec.field, (v) => spec.values.includes(v as Scalar));
    case 'nin':
      return !anyOf(spec.field, (v) => spec.values.includes(v as Scalar));
    case 'gt':
      return ordered(spec.field, spec.value, (c) => c > 0);
    case 'gte':
      return ordered(spec.field, spec.value, (c) => c >= 0);
    case 'lt':
      return ordered(spec.field, spec.value, (c) => c < 0);
    case 'lte':
      return ordered(spec.field, spec.value, (c) => c <= 0);
    case 'range':
      return (
        ordered(spec.field, spec.low, (c) => c > 0) && ordered(spec.field, spec.high, (c) => c <= 0)
      );
    case 'fields':
      return spec.parts.every((s) => matches(s, m));
    case 'and':
      return spec.children.every((s) => matches(s, m));
    case 'or':
      return spec.children.some((s) => matches(s, m));
  }
}

// ---------------------------------------------------------------------------
// Arbitraries

/** Unbiased components in [-1, 1]: random floats make tied distances improbable. */
const component = fc.noBias(fc.integer({ min: -1000, max: 1000 })).map((x) => x / 1000);
/** MAX_DIMS components; an index uses the first `dims`. Never zero in the first three (cosine). */
const vectorArb = fc
  .array(component, { minLength: MAX_DIMS, maxLength: MAX_DIMS })
  .map((v) => (v[0] === 0 && v[1] === 0 && v[2] === 0 ? [0.5, ...v.slice(1)] : v));
/** How a vector is passed: both forms the API takes. */
const asTypedArb = fc.boolean();

const COLORS = ['red', 'green', 'blue'] as const;
const TAGS = ['x', 'y', 'z'] as const;
const metadataArb: fc.Arbitrary<Metadata | undefined> = fc.option(
  fc.record(
    {
      color: fc.constantFrom(...COLORS),
      n: fc.integer({ min: 0, max: 5 }),
      tags: fc.subarray([...TAGS]),
      // As a JSON save keeps it: fc.jsonValue also makes -0, which vicinity refuses.
      extra: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Metadata>,
  { nil: undefined, freq: 3 },
);

const fieldArb = fc.constantFrom<Field>('color', 'n', 'tags');
/** Values of every field's type, and of the others' (type mismatches must not match). */
const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
  fc.constantFrom(...COLORS, ...TAGS, 'none'),
  fc.integer({ min: -1, max: 6 }),
  fc.constantFrom(null, true),
);
const orderedArb = fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom('green', 'x'));
const leafArb: fc.Arbitrary<FilterSpec> = fc.oneof(
  fc.record({
    op: fc.constant('eq' as const),
    field: fieldArb,
    value: scalarArb,
    bare: fc.boolean(),
  }),
  fc.record({ op: fc.constant('ne' as const), field: fieldArb, value: scalarArb }),
  fc.record({
    op: fc.constantFrom('in' as const, 'nin' as const),
    field: fieldArb,
    values: fc.array(scalarArb, { maxLength: 3 }),
  }),
  fc.record({
    op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const),
    field: fieldArb,
    value: orderedArb,
  }),
  fc.record({
    op: fc.constant('range' as const),
    field: fc.constant('n' as const),
    low: fc.integer({ min: -1, max: 5 }),
    high: fc.integer({ min: 0, max: 6 }),
  }),
);
const fieldOf = (s: FilterSpec) => ('field' in s ? s.field : '');
const filterArb: fc.Arbitrary<FilterSpec> = fc.oneof(
  { arbitrary: leafArb, weight: 4 },
  {
    arbitrary: fc
      .uniqueArray(leafArb, { minLength: 2, maxLength: 3, selector: fieldOf })
      .map((parts): FilterSpec => ({ op: 'fields', parts })),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constantFrom('and' as const, 'or' as const),
      children: fc.array(leafArb, { minLength: 1, maxLength: 3 }),
    }),
    weight: 2,
  },
);

const kArb = fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined, freq: 6 });
const efArb = fc.option(fc.constant(EXHAUSTIVE_EF), { nil: undefined, freq: 4 });

interface GeneratedItem {
  readonly id: string;
  readonly vector: number[];
  readonly typed: boolean;
  readonly metadata: Metadata | undefined;
  readonly text: string | undefined;
}
/** Words of item texts: none a stop word, each its own stem. */
const WORDS = ['red', 'fox', 'dog', 'sky', 'sun'] as const;
const textArb = fc.option(
  fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
  { nil: undefined, freq: 3 },
);
const itemArb: fc.Arbitrary<GeneratedItem> = fc.record({
  id: fc.constantFrom(...IDS),
  vector: vectorArb,
  typed: asTypedArb,
  metadata: metadataArb,
  text: textArb,
});
const batchArb = fc.uniqueArray(itemArb, { minLength: 1, maxLength: 5, selector: (i) => i.id });

interface GeneratedQuery {
  readonly vector: number[];
  readonly typed: boolean;
}
const queryArb: fc.Arbitrary<GeneratedQuery> = fc.record({ vector: vectorArb, typed: asTypedArb });
interface GeneratedSearch {
  readonly k: number | undefined;
  readonly efSearch: number | undefined;
  readonly filter: FilterSpec | undefined;
}
const searchArb: fc.Arbitrary<GeneratedSearch> = fc.record({
  k: kArb,
  efSearch: efArb,
  filter: fc.option(filterArb, { nil: undefined, freq: 2 }),
});

// ---------------------------------------------------------------------------
// Checks

class ModelMismatch extends Error {
  override readonly name = 'ModelMismatch';
}

function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new ModelMismatch(message());
}

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => +x.toFixed(3)).join(',')}]`;

function vectorOf(
  values: readonly number[],
  dims: number,
  typed: boolean,
): number[] | Float32Array {
  const v = values.slice(0, dims);
  return typed ? new Float32Array(v) : v;
}

interface Counters {
  nearTies: number;
  hitsChecked: number;
  /** Hits of searches with a filter: the filters do select something. */
  filteredHits: number;
  /** Answers that came from the query cache. */
  cachedAnswers: number;
}

/** One query's hits against brute force over the model. */
function checkHits(
  where: string,
  m: Model,
  hits: SearchResult | readonly Hit[],
  query: Float32Array,
  k: number,
  filter: FilterSpec | undefined,
  counters: Counters,
): void {
  const want = [...m.live]
    .filter(([, e]) => filter === undefined || matches(filter, e.metadata))
    .map(([id, e]) => ({ id, d: distance(m.metric, query, e.vector) }))
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .slice(0, k);
  const show = () =>
    `${where}: expected ${want.map((w) => `${w.id}@${w.d.toFixed(5)}`).join(' ')} | got ${hits
      .map((h) => `${h.id}@${h.distance.toFixed(5)}`)
      .join(' ')}`;
  assert(Array.isArray(hits) && hits.length === want.length, () => `${show()} (count differs)`);
  if ('cached' in hits && hits.cached) counters.cachedAnswers++;
  const seen = new Set<string>();
  hits.forEach((hit, i) => {
    const entry = m.live.get(hit.id);
    assert(entry, () => `${show()} (hit ${i}, ${hit.id}, is not live)`);
    assert(!seen.has(hit.id), () => `${show()} (hit ${hit.id} twice)`);
    seen.add(hit.id);
    assert(
      filter === undefined || matches(filter, entry.metadata),
      () => `${show()} (hit ${hit.id} fails the filter)`,
    );
    const d = distance(m.metric, query, entry.vector);
    assert(
      Math.abs(hit.distance - d) <= DISTANCE_TOLERANCE,
      () => `${show()} (${hit.id}: distance ${hit.distance}, model ${d})`,
    );
    // Exact id order, except where the model's distances tie within the tolerance.
    assert(
      Math.abs(d - want[i]!.d) <= DISTANCE_TOLERANCE,
      () => `${show()} (rank ${i}: ${hit.id} instead of ${want[i]!.id})`,
    );
    if (hit.id !== want[i]!.id) counters.nearTies++;
    const score = m.metric === 'l2' ? -hit.distance : 1 - hit.distance;
    assert(
      hit.score === score,
      () => `${show()} (${hit.id}: score ${hit.score}, expected ${score})`,
    );
    assert(
      JSON.stringify(hit.metadata) === JSON.stringify(entry.metadata) &&
        (entry.metadata !== undefined || !('metadata' in hit)),
      () =>
        `${show()} (${hit.id}: metadata ${JSON.stringify(hit.metadata)}, model ${JSON.stringify(entry.metadata)})`,
    );
    counters.hitsChecked++;
    if (filter !== undefined) counters.filteredHits++;
  });
}

async function checkStats(where: string, m: Model, r: Real, engine: EngineName): Promise<void> {
  const s = await r.index.stats();
  const got = {
    size: s.size,
    generation: s.generation,
    savedGeneration: s.savedGeneration,
    unsavedChanges: s.unsavedChanges,
    engine: s.engine,
    metric: s.metric,
    dimensions: s.dimensions,
    efSearch: s.efSearch,
  };
  const want = {
    size: m.live.size,
    generation: m.generation,
    savedGeneration: m.saved?.generation ?? null,
    unsavedChanges: m.unsaved,
    engine,
    metric: m.metric,
    dimensions: m.dims,
    // Per-call efSearch overrides must not stick; setEfSearch does.
    efSearch: m.efSearch,
  };
  assert(
    JSON.stringify(got) === JSON.stringify(want),
    () => `${where}: stats ${JSON.stringify(got)}, model ${JSON.stringify(want)}`,
  );
}

function checkSize(where: string, m: Model, r: Real): void {
  assert(
    r.index.size === m.live.size,
    () => `${where}: size ${r.index.size}, model ${m.live.size}`,
  );
}

/** Runs `call`, which must reject with a VicinityError of `code`. */
async function expectCode(where: string, code: VicinityErrorCode, call: () => Promise<unknown>) {
  let outcome: string;
  try {
    await call();
    outcome = 'resolved';
  } catch (error) {
    if (error instanceof VicinityError && error.code === code) return;
    outcome =
      error instanceof VicinityError
        ? `${error.code}: ${error.message}`
        : `not a VicinityError: ${String(error)}`;
  }
  throw new ModelMismatch(`${where}: expected ${code}, got ${outcome}`);
}

// ---------------------------------------------------------------------------
// Commands

type Exec = (m: Model, r: Real, ctx: Context) => Promise<void>;

interface Context {
  readonly engine: EngineName;
  readonly counters: Counters;
  readonly timing: Map<string, { count: number; ms: number }>;
  readonly reopen: (r: Real, m: Model) => Promise<VectorIndex>;
}

let context: Context | undefined;

class Cmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: string,
    readonly label: string,
    readonly exec: Exec,
    readonly precondition: (m: Readonly<Model>) => boolean = () => true,
  ) {}
  check(m: Readonly<Model>): boolean {
    return this.precondition(m);
  }
  async run(m: Model, r: Real): Promise<void> {
    const ctx = context!;
    const started = performance.now();
    await this.exec(m, r, ctx);
    const t = ctx.timing.get(this.kind) ?? { count: 0, ms: 0 };
    t.count++;
    t.ms += performance.now() - started;
    ctx.timing.set(this.kind, t);
  }
  toString(): string {
    return this.label;
  }
}

const showItem = (i: GeneratedItem) =>
  `${i.id}:${fmt(i.vector)}${i.typed ? 'f32' : ''}${i.metadata ? JSON.stringify(i.metadata) : ''}${i.text === undefined ? '' : `"${i.text}"`}`;
const showSearch = (s: GeneratedSearch) =>
  `k=${s.k ?? 'default'},ef=${s.efSearch ?? 'default'}${s.filter ? `,filter=${JSON.stringify(toFilter(s.filter))}` : ''}`;

function applyUpsert(m: Model, items: readonly GeneratedItem[]): void {
  for (const item of items) {
    m.live.set(item.id, {
      vector: Float32Array.from(item.vector.slice(0, m.dims)),
      metadata: item.metadata === undefined ? undefined : structuredClone(item.metadata),
      text: item.text,
    });
  }
  m.generation++;
  m.unsaved += items.length;
}

async function runUpsert(
  where: string,
  m: Model,
  r: Real,
  items: { id: string; vector: number[] | Float32Array; metadata?: Metadata; text?: string }[],
): Promise<void> {
  await r.index.upsert(items);
  for (const item of items) {
    // The library copies vectors: the caller's array is neither detached nor kept.
    assert(item.vector.length === m.dims, () => `${where}: the caller's vector was detached`);
    item.vector.fill(7);
  }
}

const upsertArb = batchArb.map(
  (batch) =>
    new Cmd('upsert', `upsert(${batch.map(showItem).join(' ')})`, async (m, r) => {
      const items = batch.map((i) => ({
        id: i.id,
        vector: vectorOf(i.vector, m.dims, i.typed),
        ...(i.metadata === undefined ? {} : { metadata: structuredClone(i.metadata) }),
        ...(i.text === undefined ? {} : { text: i.text }),
      }));
      await runUpsert('upsert', m, r, items);
      applyUpsert(m, batch);
      checkSize('upsert', m, r);
    }),
);

const removeArb = fc.uniqueArray(fc.constantFrom<string>(...IDS, ...GHOSTS), { maxLength: 4 }).map(
  (ids) =>
    new Cmd('remove', `remove(${ids.join(',')})`, async (m, r) => {
      const removed = await r.index.remove(ids);
      const want = ids.filter((id) => m.live.has(id)).length;
      assert(removed === want, () => `remove: resolved ${removed}, model ${want}`);
      for (const id of ids) m.live.delete(id);
      if (want > 0) {
        m.generation++;
        m.unsaved += want;
      }
      checkSize('remove', m, r);
    }),
);

function searchOptions(s: GeneratedSearch) {
  return {
    ...(s.k === undefined ? {} : { k: s.k }),
    ...(s.efSearch === undefined ? {} : { efSearch: s.efSearch }),
    ...(s.filter === undefined ? {} : { filter: toFilter(s.filter) }),
  };
}

const searchCmdArb = fc.tuple(queryArb, searchArb).map(
  ([q, s]) =>
    new Cmd('search', `search(${fmt(q.vector)},${showSearch(s)})`, async (m, r, ctx) => {
      const query = vectorOf(q.vector, m.dims, q.typed);
      const hits = await r.index.search(query, searchOptions(s));
      assert(query.length === m.dims, () => 'search: the query passed in was detached');
      const f32 = Float32Array.from(q.vector.slice(0, m.dims));
      checkHits('search', m, hits, f32, s.k ?? 10, s.filter, ctx.counters);
      checkSize('search', m, r);
      m.recent = [...m.recent.slice(-3), { query: q, search: s }];
    }),
);

/**
 * One of the last four searches again, after whatever changed since: the
 * query cache may answer it, and its answer must be as fresh as the model.
 * As a batch, the query comes twice.
 */
const searchAgainArb = fc.tuple(fc.nat(), fc.boolean()).map(
  ([at, batch]) =>
    new Cmd(
      'search again',
      `search again (search ${at} mod n of the last 4${batch ? ', twice in a batch' : ''})`,
      async (m, r, ctx) => {
        const { query: q, search: s } = m.recent[at % m.recent.length]!;
        const f32 = Float32Array.from(q.vector.slice(0, m.dims));
        const where = `search again (${fmt(q.vector)},${showSearch(s)})`;
        const query = () => vectorOf(q.vector, m.dims, q.typed);
        const results = batch
          ? await r.index.searchBatch([query(), query()], searchOptions(s))
          : [await r.index.search(query(), searchOptions(s))];
        results.forEach((hits, i) =>
          checkHits(`${where}[${i}]`, m, hits, f32, s.k ?? 10, s.filter, ctx.counters),
        );
      },
      (m) => m.recent.length > 0,
    ),
);

const searchBatchArb = fc.tuple(fc.array(queryArb, { maxLength: 4 }), searchArb).map(
  ([qs, s]) =>
    new Cmd(
      'searchBatch',
      `searchBatch(${qs.map((q) => fmt(q.vector)).join(' ')},${showSearch(s)})`,
      async (m, r, ctx) => {
        const queries = qs.map((q) => vectorOf(q.vector, m.dims, q.typed));
        const results = await r.index.searchBatch(queries, searchOptions(s));
        assert(
          Array.isArray(results) && results.length === qs.length,
          () => `searchBatch: ${results.length} results for ${qs.length} queries`,
        );
        results.forEach((hits, i) =>
          checkHits(
            `searchBatch[${i}]`,
            m,
            hits,
            Float32Array.from(qs[i]!.vector.slice(0, m.dims)),
            s.k ?? 10,
            s.filter,
            ctx.counters,
          ),
        );
        checkSize('searchBatch', m, r);
      },
    ),
);

/**
 * A text search, and a hybrid one with the same words: the text side finds
 * exactly the live items whose text holds a query word and that pass the
 * filter, best BM25 first; hybrid returns min(k, matching) items, all
 * passing the filter, each ranked on the side that found it.
 */
const textSearchArb = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }),
    searchArb,
    queryArb,
  )
  .map(
    ([words, s, q]) =>
      new Cmd('textSearch', `textSearch("${words.join(' ')}",${showSearch(s)})`, async (m, r) => {
        const query = words.join(' ');
        const k = s.k ?? 10;
        const pass = [...m.live].filter(
          ([, e]) => s.filter === undefined || matches(s.filter, e.metadata),
        );
        const want = pass
          .filter(
            ([, e]) =>
              e.text !== undefined && e.text.split(' ').some((w) => words.includes(w as never)),
          )
          .map(([id]) => id)
          .sort();
        const options = { ...searchOptions(s), mode: 'text' as const, k: 12 };
        const hits = await r.index.search(query, options);
        const got = hits.map((h) => h.id).sort();
        assert(
          got.join() === want.join(),
          () => `textSearch: expected ${want.join(',')} | got ${got.join(',')}`,
        );
        assert(
          hits.every(
            (h, i) => h.ranks?.text === i + 1 && (i === 0 || hits[i - 1]!.score >= h.score),
          ),
          () => `textSearch: hits not ranked by score: ${JSON.stringify(hits)}`,
        );
        const hybrid = await r.index.search(
          { vector: vectorOf(q.vector, m.dims, q.typed), text: query },
          { ...searchOptions(s), mode: 'hybrid' },
        );
        const passing = new Set(pass.map(([id]) => id));
        assert(
          hybrid.length === Math.min(k, passing.size) && hybrid.every((h) => passing.has(h.id)),
          () =>
            `hybrid: ${hybrid.length} hits (${hybrid.map((h) => h.id).join(',')}) of ${passing.size} passing, k ${k}`,
        );
        assert(
          hybrid.every(
            (h) => h.ranks !== undefined && (h.ranks.vector !== null || h.ranks.text !== null),
          ),
          () => `hybrid: a hit found by neither side: ${JSON.stringify(hybrid)}`,
        );
      }),
  );

const saveArb = fc.constant(
  new Cmd('save', 'save()', async (m, r) => {
    const { generation } = await r.index.save();
    assert(
      generation === m.generation,
      () => `save: generation ${generation}, model ${m.generation}`,
    );
    m.saved = { items: new Map(m.live), generation, efSearch: m.efSearch };
    m.unsaved = 0;
    checkSize('save', m, r);
  }),
);

/** The index default: what a new index and a reopened never-saved one have. */
const DEFAULT_EF = 64;

/**
 * A new default efSearch: a change to save like a write. Values stay at or
 * above the pool's size, so default-width searches remain exhaustive.
 */
const setEfArb = fc.constantFrom(32, 48, 64, 128).map(
  (ef) =>
    new Cmd('setEfSearch', `setEfSearch(${ef})`, async (m, r, ctx) => {
      await r.index.setEfSearch(ef);
      if (ef !== m.efSearch) {
        m.efSearch = ef;
        m.generation++;
        m.unsaved++;
      }
      await checkStats('setEfSearch', m, r, ctx.engine);
    }),
);

const statsArb = fc.constant(
  new Cmd('stats', 'stats()', (m, r, ctx) => checkStats('stats', m, r, ctx.engine)),
);

/** Close, then open the same name: what comes back is the last save, not the live state. */
const reopenArb = fc.constant(
  new Cmd('reopen', 'close()+open()', async (m, r, ctx) => {
    const old = r.index;
    await old.close();
    await expectCode('search on a closed index', 'CLOSED', () =>
      old.search(new Array(m.dims).fill(1)),
    );
    r.index = await ctx.reopen(r, m);
    m.live = new Map(m.saved?.items ?? []);
    m.generation = m.saved?.generation ?? 0;
    m.efSearch = m.saved?.efSearch ?? DEFAULT_EF;
    m.unsaved = 0;
    checkSize('reopen', m, r);
    await checkStats('reopen', m, r, ctx.engine);
  }),
);

// --- Bad inputs: each one fault in an otherwise valid call. They must reject
// with their code and change nothing, which checkStats and the later commands see.

/** A fault: the bad value, and the code it must get (null: the input is valid after all). */
interface Fault<T> {
  readonly name: string;
  readonly make: (m: Model, valid: T) => unknown;
  readonly code: (m: Model) => VicinityErrorCode | null;
}

const always = (code: VicinityErrorCode) => (): VicinityErrorCode => code;
/** A zero vector has no direction for cosine; for l2 it is a valid vector. */
const zeroCode = (m: Model): VicinityErrorCode | null =>
  m.metric === 'cosine' ? 'INVALID_VECTOR' : null;

const vectorFaults: Fault<number[]>[] = [
  {
    name: 'dims+1',
    make: (m, v) => [...v.slice(0, m.dims), 0.5],
    code: always('DIMENSION_MISMATCH'),
  },
  { name: 'dims-1', make: (m, v) => v.slice(0, m.dims - 1), code: always('DIMENSION_MISMATCH') },
  { name: 'empty', make: () => [], code: always('DIMENSION_MISMATCH') },
  { name: 'NaN', make: (m, v) => [...v.slice(0, m.dims - 1), NaN], code: always('INVALID_VECTOR') },
  {
    name: '-Infinity',
    make: (m, v) => [-Infinity, ...v.slice(1, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    // Finite as a double, Infinity as float32.
    name: '1e39',
    make: (m, v) => [v[0]!, 1e39, ...v.slice(2, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    name: 'string component',
    make: (m, v) => [String(v[0]), ...v.slice(1, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    name: 'Float64Array',
    make: (m, v) => new Float64Array(v.slice(0, m.dims)),
    code: always('INVALID_VECTOR'),
  },
  // Array-like, but neither a Float32Array nor an array (a string would be a text query).
  {
    name: 'array-like',
    make: (m, v) => ({ ...v.slice(0, m.dims), length: m.dims }),
    code: always('INVALID_VECTOR'),
  },
  { name: 'missing', make: () => undefined, code: always('INVALID_VECTOR') },
  // float32 edge values (LIMITS.vector). Too short to normalise under cosine;
  // under l2 as good as a zero vector (which the model then takes).
  {
    name: 'underflow ×1e-23',
    make: (m, v) => v.slice(0, m.dims).map((x) => x * 1e-23),
    code: (m) => (m.metric === 'cosine' ? 'INVALID_VECTOR' : null),
  },
  {
    name: 'subnormal only',
    make: (m) => [1e-40, ...new Array<number>(m.dims - 1).fill(0)],
    code: (m) => (m.metric === 'cosine' ? 'INVALID_VECTOR' : null),
  },
  {
    name: 'FLT_MAX',
    make: (m, v) => [3.4028234663852886e38, ...v.slice(1, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    name: 'near sqrt(FLT_MAX)',
    make: (m, v) => [1.8446744e19, ...v.slice(1, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    name: 'longer than 2^62',
    make: (m, v) => [4e18, -4e18, ...v.slice(2, m.dims)],
    code: always('INVALID_VECTOR'),
  },
  {
    name: 'zero f32',
    make: (m) => new Float32Array(m.dims),
    code: zeroCode,
  },
];

type Raw = Record<string, unknown>;
/** A valid item as passed to upsert, and the generated components of its vector. */
interface ValidItem {
  readonly item: Raw;
  readonly raw: number[];
}
const itemFaults: Fault<ValidItem>[] = [
  ...vectorFaults.map((f): Fault<ValidItem> => ({
    name: `vector ${f.name}`,
    make: (m, { item, raw }) => ({ ...item, vector: f.make(m, raw) }),
    code: f.code,
  })),
  { name: 'empty id', make: (_, { item }) => ({ ...item, id: '' }), code: always('INVALID_ID') },
  { name: 'number id', make: (_, { item }) => ({ ...item, id: 7 }), code: always('INVALID_ID') },
  {
    name: 'text not a string',
    make: (_, { item }) => ({ ...item, text: 5 }),
    code: always('INVALID_TEXT'),
  },
  {
    name: 'no id',
    make: (_, { item }) => ({ vector: item.vector, metadata: item.metadata }),
    code: always('INVALID_ID'),
  },
  { name: 'null item', make: () => null, code: always('INVALID_ID') },
  {
    name: 'metadata array',
    make: (_, { item }) => ({ ...item, metadata: ['red'] }),
    code: always('INVALID_METADATA'),
  },
  {
    name: 'metadata null',
    make: (_, { item }) => ({ ...item, metadata: null }),
    code: always('INVALID_METADATA'),
  },
  {
    name: 'metadata Date',
    make: (_, { item }) => ({ ...item, metadata: { color: 'red', when: new Date(0) } }),
    code: always('INVALID_METADATA'),
  },
  {
    name: 'metadata NaN',
    make: (_, { item }) => ({ ...item, metadata: { n: NaN } }),
    code: always('INVALID_METADATA'),
  },
  {
    name: 'metadata function',
    make: (_, { item }) => ({ ...item, metadata: { f: () => 1 } }),
    code: always('INVALID_METADATA'),
  },
  {
    name: 'metadata Map',
    make: (_, { item }) => ({ ...item, metadata: new Map([['color', 'red']]) }),
    code: always('INVALID_METADATA'),
  },
  // What a JSON save would change, and what a structured clone fails on (LIMITS.metadata).
  ...(
    [
      ['-0', () => ({ n: -0 })],
      ['an array hole', () => ({ tags: Object.assign(new Array(2), { 1: 'x' }) })],
      ['an array with an extra property', () => ({ tags: Object.assign(['x'], { extra: 1 }) })],
      ['an array with a Date property', () => ({ tags: Object.assign(['x'], { d: new Date(0) }) })],
      ['an array with a function', () => ({ tags: Object.assign(['x'], { f: () => 1 }) })],
      [
        'a getter',
        () => Object.defineProperty({}, 'color', { get: () => 'red', enumerable: true }),
      ],
      ['a Proxy', () => new Proxy({ color: 'red' }, {})],
      ['a nested Proxy', () => ({ extra: new Proxy(['x'], {}) })],
      ['a symbol key', () => ({ color: 'red', [Symbol('s')]: 1 })],
      [
        'a class instance',
        () => ({
          extra: new (class Point {
            x = 1;
          })(),
        }),
      ],
      ['33 levels deep', () => ({ extra: nestedObject(32) })],
      ['10,000 levels deep', () => ({ extra: nestedObject(10_000) })],
      [
        'a cycle',
        () => {
          const m: Record<string, unknown> = { n: 1 };
          m.self = m;
          return m;
        },
      ],
      ['JSON past 65,536', () => ({ extra: 'x'.repeat(65_536) })],
    ] as const
  ).map(([name, metadata]): Fault<ValidItem> => ({
    name: `metadata ${name}`,
    make: (_, { item }) => ({ ...item, metadata: metadata() }),
    code: always('INVALID_METADATA'),
  })),
];

/** `depth` objects inside one another. */
function nestedObject(depth: number): Record<string, unknown> {
  let m: Record<string, unknown> = { n: 1 };
  for (let i = 1; i < depth; i++) m = { m };
  return m;
}

/** A filter `levels` × { $and: [ … ] } deep around { n: 1 }. */
function andChain(levels: number): Record<string, unknown> {
  let f: Record<string, unknown> = { n: 1 };
  for (let i = 0; i < levels; i++) f = { $and: [f] };
  return f;
}

const badUpsertArb = fc
  .tuple(
    batchArb,
    fc.nat(),
    fc.constantFrom(...itemFaults, 'duplicate id' as const, 'not an array' as const),
  )
  .map(([batch, at, fault]) => {
    const pos = at % batch.length;
    const name = typeof fault === 'string' ? fault : fault.name;
    return new Cmd(
      'bad input',
      `bad upsert, ${name} at ${pos}: (${batch.map(showItem).join(' ')})`,
      async (m, r, ctx) => {
        const items: unknown[] = batch.map((i) => ({
          id: i.id,
          vector: vectorOf(i.vector, m.dims, i.typed),
          ...(i.metadata === undefined ? {} : { metadata: structuredClone(i.metadata) }),
          ...(i.text === undefined ? {} : { text: i.text }),
        }));
        let code: VicinityErrorCode | null;
        let input: unknown = items;
        if (fault === 'duplicate id') {
          const copy = {
            ...(items[pos] as Raw),
            vector: vectorOf(batch[0]!.vector, m.dims, false),
          };
          items.splice(pos + 1, 0, copy);
          code = 'DUPLICATE_ID';
        } else if (fault === 'not an array') {
          input = items[0];
          code = 'INVALID_ID';
        } else {
          items[pos] = fault.make(m, { item: items[pos] as Raw, raw: batch[pos]!.vector });
          code = fault.code(m);
        }
        if (code === null) {
          // A zero vector under l2: valid, so the model takes it.
          await runUpsert(`upsert with ${name}`, m, r, items as never);
          const zero = new Array<number>(m.dims).fill(0);
          applyUpsert(
            m,
            batch.map((item, i) => (i === pos ? { ...item, vector: zero } : item)),
          );
          checkSize(`upsert with ${name}`, m, r);
          return;
        }
        await expectCode(`upsert with ${name} at ${pos}`, code, () =>
          r.index.upsert(input as never),
        );
        checkSize(`upsert with ${name}`, m, r);
        await checkStats(`after upsert with ${name}`, m, r, ctx.engine);
      },
    );
  });

const removeFaults: { name: string; make: (ids: string[]) => unknown; code: VicinityErrorCode }[] =
  [
    { name: 'empty id', make: (ids) => [...ids, ''], code: 'INVALID_ID' },
    { name: 'number id', make: (ids) => [1, ...ids], code: 'INVALID_ID' },
    {
      name: 'duplicate id',
      make: (ids) => [...ids, ids[0] ?? 'a', ids[0] ?? 'a'],
      code: 'DUPLICATE_ID',
    },
    { name: 'a string, not an array', make: (ids) => ids[0] ?? 'a', code: 'INVALID_ID' },
    { name: 'undefined', make: () => undefined, code: 'INVALID_ID' },
  ];
const badRemoveArb = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom<string>(...IDS), { maxLength: 3 }),
    fc.constantFrom(...removeFaults),
  )
  .map(
    ([ids, fault]) =>
      new Cmd('bad input', `bad remove, ${fault.name}: (${ids.join(',')})`, async (m, r, ctx) => {
        await expectCode(`remove with ${fault.name}`, fault.code, () =>
          r.index.remove(fault.make(ids) as never),
        );
        checkSize(`remove with ${fault.name}`, m, r);
        await checkStats(`after remove with ${fault.name}`, m, r, ctx.engine);
      }),
  );

/** A bad search option; `make` builds one that cannot be a shared constant (a Proxy, a cycle). */
const optionFaults: {
  name: string;
  options?: unknown;
  make?: () => unknown;
  code: VicinityErrorCode;
}[] = [
  { name: 'k 0', options: { k: 0 }, code: 'INVALID_K' },
  { name: 'k -3', options: { k: -3 }, code: 'INVALID_K' },
  { name: 'k 2.5', options: { k: 2.5 }, code: 'INVALID_K' },
  { name: 'k NaN', options: { k: NaN }, code: 'INVALID_K' },
  { name: 'k Infinity', options: { k: Infinity }, code: 'INVALID_K' },
  { name: 'k "3"', options: { k: '3' }, code: 'INVALID_K' },
  { name: 'k 2^31', options: { k: 2 ** 31 }, code: 'INVALID_K' },
  { name: 'options null', options: null, code: 'INVALID_OPTIONS' },
  { name: 'options an array', options: [], code: 'INVALID_OPTIONS' },
  { name: 'misspelt fitler', options: { fitler: { color: 'red' } }, code: 'INVALID_OPTIONS' },
  { name: 'unknown key limit', options: { k: 2, limit: 1 }, code: 'INVALID_OPTIONS' },
  { name: 'k null', options: { k: null }, code: 'INVALID_K' },
  { name: 'efSearch null', options: { efSearch: null }, code: 'INVALID_EF' },
  { name: 'filter null', options: { filter: null }, code: 'INVALID_FILTER' },
  // Past LIMITS.filter, or not plain data.
  { name: 'filter 33 deep', make: () => ({ filter: andChain(16) }), code: 'INVALID_FILTER' },
  { name: 'filter 1,001 deep', make: () => ({ filter: andChain(500) }), code: 'INVALID_FILTER' },
  {
    name: 'cyclic filter',
    make: () => {
      const f: Record<string, unknown[]> = { $or: [] };
      f.$or!.push(f);
      return { filter: f };
    },
    code: 'INVALID_FILTER',
  },
  {
    name: '$in of 10,001',
    make: () => ({ filter: { n: { $in: Array.from({ length: 10_001 }, (_, i) => i) } } }),
    code: 'INVALID_FILTER',
  },
  {
    name: 'Proxy filter',
    make: () => ({ filter: new Proxy({ n: 1 }, {}) }),
    code: 'INVALID_FILTER',
  },
  {
    name: 'getter filter',
    make: () => ({ filter: Object.defineProperty({}, 'n', { get: () => 1, enumerable: true }) }),
    code: 'INVALID_FILTER',
  },
  {
    name: 'symbol key in a filter',
    make: () => ({ filter: { n: 1, [Symbol('s')]: 1 } }),
    code: 'INVALID_FILTER',
  },
  { name: 'efSearch 0', options: { efSearch: 0 }, code: 'INVALID_EF' },
  { name: 'efSearch -1', options: { efSearch: -1 }, code: 'INVALID_EF' },
  { name: 'efSearch 1.5', options: { efSearch: 1.5 }, code: 'INVALID_EF' },
  { name: 'unknown operator', options: { filter: { $where: 'x' } }, code: 'INVALID_FILTER' },
  {
    name: 'unknown field operator',
    options: { filter: { color: { $regex: 'r' } } },
    code: 'INVALID_FILTER',
  },
  { name: 'empty $or', options: { filter: { $or: [] } }, code: 'INVALID_FILTER' },
  { name: '$and not an array', options: { filter: { $and: { n: 1 } } }, code: 'INVALID_FILTER' },
  { name: 'range on an object', options: { filter: { n: { $gt: {} } } }, code: 'INVALID_FILTER' },
  { name: 'range on NaN', options: { filter: { n: { $gte: NaN } } }, code: 'INVALID_FILTER' },
  { name: 'range on a boolean', options: { filter: { n: { $lt: true } } }, code: 'INVALID_FILTER' },
  {
    name: '$in not an array',
    options: { filter: { color: { $in: 'red' } } },
    code: 'INVALID_FILTER',
  },
  { name: 'no operator', options: { filter: { color: {} } }, code: 'INVALID_FILTER' },
  { name: 'array value', options: { filter: { color: ['red'] } }, code: 'INVALID_FILTER' },
  { name: 'filter array', options: { filter: [] }, code: 'INVALID_FILTER' },
  { name: 'filter string', options: { filter: 'red' }, code: 'INVALID_FILTER' },
  { name: 'function filter', options: { filter: () => true }, code: 'FUNCTION_FILTER' },
  {
    name: 'nested function',
    options: { filter: { $or: [{ color: { $eq: () => 'red' } }] } },
    code: 'FUNCTION_FILTER',
  },
];

const badSearchArb = fc
  .tuple(
    queryArb,
    fc.oneof(
      fc.constantFrom(...optionFaults).map((f) => ({ kind: 'options' as const, ...f })),
      fc.constantFrom(...vectorFaults).map((f) => ({ kind: 'query' as const, fault: f })),
      fc.constant({ kind: 'text' as const }),
    ),
    fc.boolean(),
  )
  .map(([q, bad, batch]) => {
    const name =
      bad.kind === 'options'
        ? bad.name
        : bad.kind === 'query'
          ? `query ${bad.fault.name}`
          : 'text query';
    const call = batch ? 'searchBatch' : 'search';
    return new Cmd('bad input', `bad ${call}, ${name}: (${fmt(q.vector)})`, async (m, r, ctx) => {
      let query: unknown = vectorOf(q.vector, m.dims, q.typed);
      let options: unknown = { k: 3 };
      let code: VicinityErrorCode | null;
      if (bad.kind === 'options') {
        options = bad.make ? bad.make() : bad.options;
        code = bad.code;
      } else if (bad.kind === 'query') {
        query = bad.fault.make(m, q.vector);
        code = bad.fault.code(m);
      } else {
        query = 'some text';
        code = 'NO_EMBEDDER';
      }
      // In a batch the bad query comes after a good one.
      const run = () =>
        batch
          ? r.index.searchBatch(
              [vectorOf(q.vector, m.dims, false), query] as never,
              options as never,
            )
          : r.index.search(query as never, options as never);
      if (code === null) {
        // A zero query under l2 is valid.
        const result = await run();
        const hits = (batch ? (result as Hit[][])[1] : result) as Hit[];
        checkHits(
          `${call} with ${name}`,
          m,
          hits,
          new Float32Array(m.dims),
          3,
          undefined,
          ctx.counters,
        );
        return;
      }
      await expectCode(`${call} with ${name}`, code, run);
      checkSize(`${call} with ${name}`, m, r);
      await checkStats(`after ${call} with ${name}`, m, r, ctx.engine);
    });
  });

const badBatchShapeArb = fc
  .constantFrom(
    { name: 'one vector, not an array of them', make: (m: Model) => new Array(m.dims).fill(0.5) },
    { name: 'a string', make: () => 'queries' },
    { name: 'a Float32Array', make: (m: Model) => new Float32Array(m.dims).fill(0.5) },
  )
  .map(
    (fault) =>
      new Cmd('bad input', `bad searchBatch, ${fault.name}`, async (m, r, ctx) => {
        await expectCode(`searchBatch with ${fault.name}`, 'INVALID_VECTOR', () =>
          r.index.searchBatch(fault.make(m) as never, { k: 2 }),
        );
        checkSize(`searchBatch with ${fault.name}`, m, r);
        await checkStats(`after searchBatch with ${fault.name}`, m, r, ctx.engine);
      }),
  );

function commandsArb(options: FuzzOptions) {
  return fc.commands(
    [
      fc.oneof(
        { arbitrary: upsertArb, weight: 24 },
        { arbitrary: removeArb, weight: 8 },
        { arbitrary: searchCmdArb, weight: 20 },
        { arbitrary: searchAgainArb, weight: 8 },
        { arbitrary: searchBatchArb, weight: 8 },
        { arbitrary: textSearchArb, weight: 8 },
        { arbitrary: saveArb, weight: 8 },
        { arbitrary: statsArb, weight: 4 },
        { arbitrary: setEfArb, weight: 3 },
        { arbitrary: badUpsertArb, weight: 8 },
        { arbitrary: badRemoveArb, weight: 2 },
        { arbitrary: badSearchArb, weight: 6 },
        { arbitrary: badBatchShapeArb, weight: 2 },
        { arbitrary: reopenArb, weight: options.reopenWeight },
      ),
    ],
    {
      maxCommands: options.maxCommands,
      size: 'max',
      ...(options.replayPath === undefined ? {} : { replayPath: options.replayPath }),
    },
  );
}

// ---------------------------------------------------------------------------
// Indexes

/**
 * Opening an index costs a worker and a WASM module (measured here: about
 * 130 ms for simd, 300 ms for hnswlib-wasm, no faster when opens overlap); with
 * a fresh index per sequence (freshEvery 1) 500 sequences took 130 s (simd)
 * and 190 s (hnswlib-wasm), against about 45 s each when shared. Sequences
 * instead share one index per metric for `freshEvery` sequences. That is
 * sound because a sequence that passed is undone through the public API:
 * every live id removed, and an empty save written if the saved copy held
 * items. Then size, searches, a reopen and stats are what a fresh index
 * shows, except the counters (generation, savedGeneration, unsavedChanges),
 * which the model reads at the start instead of assuming 0. What stays
 * behind are deleted slots and used labels in the engine, which widens the
 * test: upserts then reuse deleted slots. After the first failure every
 * sequence, shrinking included, gets a fresh index, so the reported
 * counterexample replays on a fresh index.
 */
class IndexPool {
  readonly #options: FuzzOptions;
  readonly #shared = new Map<Metric, { real: Real; uses: number }>();
  #opened = 0;
  failing = false;

  constructor(options: FuzzOptions) {
    this.#options = options;
  }

  get freshIndexes(): number {
    return this.#opened;
  }

  open(name: string, metric: Metric): Promise<VectorIndex> {
    return VectorIndex.open(name, {
      dimensions: DIMS[metric],
      metric,
      engine: this.#options.engine,
      // Room for 4 vectors: upserts and reopens also exercise growing the graph.
      initialCapacity: 4,
      // A hung call fails the sequence with TIMEOUT long before the test's deadline.
      timeoutMs: 10_000,
    });
  }

  async #openFresh(metric: Metric): Promise<Real> {
    this.#opened++;
    const name = `${namePrefix(this.#options)}${metric}-${this.#opened}`;
    return { name, index: await this.open(name, metric) };
  }

  /** An index with nothing live and nothing saved, and the model that matches it. */
  async acquire(metric: Metric): Promise<{ model: Model; real: Real; shared: boolean }> {
    const shareable = !this.failing && this.#options.freshEvery > 1;
    let slot = this.#shared.get(metric);
    if (slot && (!shareable || slot.uses >= this.#options.freshEvery)) {
      this.#shared.delete(metric);
      await discard(slot.real);
      slot = undefined;
    }
    if (!slot && shareable) {
      slot = { real: await this.#openFresh(metric), uses: 0 };
      this.#shared.set(metric, slot);
    }
    const real = slot ? slot.real : await this.#openFresh(metric);
    const fresh = !slot || slot.uses === 0;
    if (slot) slot.uses++;
    try {
      const s = await real.index.stats();
      const start = [s.size, real.index.size, s.generation, s.savedGeneration, s.unsavedChanges];
      assert(
        fresh ? start.every((x, i) => x === (i === 3 ? null : 0)) : s.size + real.index.size === 0,
        () => `setup of ${fresh ? 'a new' : 'a shared'} index: stats ${JSON.stringify(s)}`,
      );
      const model: Model = {
        metric,
        dims: DIMS[metric],
        live: new Map(),
        saved:
          s.savedGeneration === null
            ? null
            : { items: new Map(), generation: s.savedGeneration, efSearch: s.efSearch },
        generation: s.generation,
        unsaved: s.unsavedChanges,
        efSearch: s.efSearch,
        recent: [],
      };
      return { model, real, shared: slot !== undefined };
    } catch (error) {
      await this.release(real, slot !== undefined, false);
      throw error;
    }
  }

  /** After a passed sequence on a shared index: undo it through the public API. */
  async reset(m: Model, r: Real): Promise<void> {
    if (m.live.size > 0) {
      const ids = [...m.live.keys()];
      const removed = await r.index.remove(ids);
      assert(removed === ids.length, () => `reset: removed ${removed} of ${ids.length}`);
    }
    if (m.efSearch !== DEFAULT_EF) await r.index.setEfSearch(DEFAULT_EF);
    // The next sequence starts from a saved state equal to the live one.
    if (m.saved && (m.saved.items.size > 0 || m.saved.efSearch !== DEFAULT_EF || m.unsaved > 0))
      await r.index.save();
  }

  async release(real: Real, shared: boolean, passed: boolean): Promise<void> {
    if (shared && passed) return;
    if (shared) {
      for (const [metric, slot] of this.#shared)
        if (slot.real === real) this.#shared.delete(metric);
    }
    await discard(real);
  }

  async dispose(): Promise<void> {
    for (const slot of this.#shared.values()) await discard(slot.real);
    this.#shared.clear();
  }
}

const namePrefix = (options: FuzzOptions) => `model-${options.engine}-${options.seed}-`;

/** Close and delete, bounded: an index a failure left hung must not hang the test. */
async function discard(real: Real): Promise<void> {
  await Promise.race([
    VectorIndex.delete(real.name).catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 10_000)),
  ]);
}

// ---------------------------------------------------------------------------

export async function runModelFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const pool = new IndexPool(options.path === undefined ? options : { ...options, freshEvery: 1 });
  const counters: Counters = { nearTies: 0, hitsChecked: 0, filteredHits: 0, cachedAnswers: 0 };
  const timing = new Map<string, { count: number; ms: number }>();
  context = {
    engine: options.engine,
    counters,
    timing,
    reopen: (r, m) => pool.open(r.name, m.metric),
  };
  let sequences = 0;
  let running = 0;
  const property = fc.asyncProperty(
    fc.constantFrom<Metric>('l2', 'cosine'),
    commandsArb(options),
    async (metric, cmds) => {
      sequences++;
      // A sequence that fc.timeout gave up on may still run: keep off its index.
      if (running > 0) pool.failing = true;
      running++;
      let passed = false;
      try {
        const { model, real, shared } = await pool.acquire(metric);
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          if (shared) await pool.reset(model, real);
          passed = true;
        } finally {
          await pool.release(real, shared, passed);
        }
      } finally {
        running--;
        if (!passed) pool.failing = true;
      }
    },
  );
  let details: fc.RunDetails<unknown>;
  try {
    details = await fc.check(property, {
      numRuns: options.runs,
      seed: options.seed,
      ...(options.path === undefined ? {} : { path: options.path }),
      includeErrorInReport: true,
      plugins: [
        fc.timeout(60_000),
        fc.interruptAfterTimeLimit(options.timeLimitMs, { failOnInterrupt: true }),
      ],
    });
  } finally {
    await pool.dispose();
    context = undefined;
  }
  const prefix = namePrefix(options);
  const leftOver = (await indexedDB.databases())
    .map((db) => db.name ?? '')
    .filter((name) => name.includes(prefix));
  const byKind: FuzzResult['byKind'] = {};
  for (const [kind, t] of [...timing].sort()) {
    byKind[kind] = { count: t.count, meanMs: +(t.ms / t.count).toFixed(2) };
  }
  const report = details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : '';
  return {
    failed: details.failed,
    report,
    replay:
      details.counterexamplePath === null
        ? null
        : {
            path: details.counterexamplePath,
            replayPath: /replayPath="([^"]*)"/.exec(report)?.[1],
          },
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    ms: Math.round(performance.now() - started),
    sequences,
    commands: [...timing.values()].reduce((n, t) => n + t.count, 0),
    freshIndexes: pool.freshIndexes,
    byKind,
    nearTies: counters.nearTies,
    hitsChecked: counters.hitsChecked,
    filteredHits: counters.filteredHits,
    cachedAnswers: counters.cachedAnswers,
    leftOver,
  };
}
