// The browser side of `npm run bench`. bench/run.mjs loads this page in
// Chromium and calls the steps on window.bench with page.evaluate. Timings
// are taken here with performance.now(), so they hold everything a caller of
// the library waits for: validation on the page, the hop to the worker, the
// search in the engine, and the way back.
import {
  LoadTester,
  PerformanceMonitor,
  VectorIndex,
  type Hit,
  type IndexStats,
  type Item,
  type VectorIndexOptions,
} from '../src/index.js';
import { nextTask } from '../src/util/nextTask.js';

type EngineName = IndexStats['engine'];

interface LongTask {
  readonly start: number;
  readonly duration: number;
}

const longTasks: LongTask[] = [];
let observer: PerformanceObserver | undefined;
try {
  observer = new PerformanceObserver((list) => collect(list.getEntries()));
  observer.observe({ type: 'longtask', buffered: true });
} catch {
  // longtask is Chromium-only, and the benchmark runs in Chromium.
}

function collect(entries: PerformanceEntryList): void {
  for (const entry of entries) longTasks.push({ start: entry.startTime, duration: entry.duration });
}

/** Longest main-thread task (≥ 50 ms, as Chromium reports them) overlapping [from, to], or null. */
function longestTask(from: number, to: number): number | null {
  if (observer) collect(observer.takeRecords());
  let longest: number | null = null;
  for (const task of longTasks) {
    if (task.start < to && task.start + task.duration > from) {
      longest = Math.max(longest ?? 0, task.duration);
    }
  }
  return longest;
}

function longer(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

interface DataSet {
  readonly dimensions: number;
  readonly ids: string[];
  readonly base: Float32Array;
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly indexOf: Map<string, number>;
}

interface DataHeader {
  dimensions: number;
  ids: string[];
  queryIds: string[];
}

let data: DataSet | undefined;
let index: VectorIndex | undefined;

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response;
}

/** Fetches the vectors bench/run.mjs prepared: `<stem>.json`, `.base.f32`, `.queries.f32`. */
async function load(stem: string): Promise<{ base: number; queries: number }> {
  const [header, base, queries] = await Promise.all([
    fetchOk(`${stem}.json`).then((r) => r.json() as Promise<DataHeader>),
    fetchOk(`${stem}.base.f32`).then(async (r) => new Float32Array(await r.arrayBuffer())),
    fetchOk(`${stem}.queries.f32`).then(async (r) => new Float32Array(await r.arrayBuffer())),
  ]);
  const { dimensions, ids, queryIds } = header;
  if (base.length !== ids.length * dimensions || queries.length !== queryIds.length * dimensions) {
    throw new Error(`${stem}: vector files do not match the header`);
  }
  data = {
    dimensions,
    ids,
    base,
    queries,
    queryCount: queryIds.length,
    indexOf: new Map(ids.map((id, i) => [id, i])),
  };
  return { base: ids.length, queries: queryIds.length };
}

function loaded(): DataSet {
  if (!data) throw new Error('no data loaded');
  return data;
}

function opened(): VectorIndex {
  if (!index) throw new Error('no index open');
  return index;
}

export interface BuildParams {
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  readonly batch: number;
  readonly engine: EngineName;
  /** More options for `VectorIndex.open` (the scale benchmark's lanes). */
  readonly options?: VectorIndexOptions;
  /** Logs `bench-progress <done> <n>` to the console after every this many vectors; 0: never. */
  readonly progressEvery?: number;
}

/**
 * Creates the index afresh and upserts the base in batches; the build time is
 * wall clock, and so is the time to each progress line.
 */
async function build(name: string, params: BuildParams) {
  const d = loaded();
  const n = d.ids.length;
  const dim = d.dimensions;
  await VectorIndex.delete(name);
  const t0 = performance.now();
  // The engine is measured: repeated queries must reach it, not the query cache.
  index = await VectorIndex.open(name, {
    ...params.options,
    cache: false,
    engine: params.engine,
    dimensions: dim,
    metric: 'cosine',
    M: params.M,
    efConstruction: params.efConstruction,
    efSearch: params.efSearch,
    initialCapacity: n,
  });
  const t1 = performance.now();
  for (let start = 0; start < n; start += params.batch) {
    const items: Item[] = [];
    for (let i = start; i < Math.min(n, start + params.batch); i++) {
      items.push({ id: d.ids[i] as string, vector: d.base.subarray(i * dim, (i + 1) * dim) });
    }
    await index.upsert(items);
    const done = Math.min(n, start + params.batch);
    const every = params.progressEvery ?? 0;
    if (every > 0 && (Math.floor(done / every) > Math.floor(start / every) || done === n)) {
      console.info(`bench-progress ${done} ${n} ${(performance.now() - t1).toFixed(0)}`);
    }
  }
  const t2 = performance.now();
  const stats = await index.stats();
  return {
    engine: stats.engine,
    workers: stats.workers,
    createMs: t1 - t0,
    buildMs: t2 - t1,
    size: stats.size,
    wasmMemoryBytes: stats.wasmMemoryBytes,
    longestTaskMs: longestTask(t1, t2),
  };
}

export interface SweepParams {
  readonly efs: readonly number[];
  readonly k: number;
  readonly repeat: number;
  readonly warmup: number;
}

function queryList(d: DataSet): Float32Array[] {
  const dim = d.dimensions;
  return Array.from({ length: d.queryCount }, (_, i) => d.queries.subarray(i * dim, (i + 1) * dim));
}

/** Base positions of hits, -1 for an id not in the base. */
function positionsIn(d: DataSet): (hits: Hit[]) => number[] {
  return (hits) => hits.map((h) => d.indexOf.get(h.id) ?? -1);
}

interface Pass {
  ef: number;
  /** Wall time of each repetition over all queries. */
  ms: number[];
  /** Base positions of the hits of each query, from the first repetition. */
  hits: number[][];
}

/**
 * For each efSearch: every query through `search`, one awaited call at a
 * time, then all queries through one `searchBatch` call. Repetitions go
 * round the whole ef list, so that a noisy moment does not hit a single ef.
 */
async function sweep(params: SweepParams) {
  const d = loaded();
  const idx = opened();
  const { efs, k, repeat } = params;
  const queries = queryList(d);
  const positions = positionsIn(d);

  const warmup = queries.slice(0, params.warmup);
  for (const q of warmup) await idx.search(q, { k, efSearch: efs[0] });
  await idx.searchBatch(warmup, { k, efSearch: efs[0] });

  const search: Pass[] = efs.map((ef) => ({ ef, ms: [], hits: [] }));
  const searchBatch: Pass[] = efs.map((ef) => ({ ef, ms: [], hits: [] }));
  let searchLongest: number | null = null;
  let batchLongest: number | null = null;
  for (let r = 0; r < repeat; r++) {
    for (const [e, ef] of efs.entries()) {
      const one = search[e] as Pass;
      const found: Hit[][] = [];
      let t0 = performance.now();
      for (const q of queries) found.push(await idx.search(q, { k, efSearch: ef }));
      let t1 = performance.now();
      one.ms.push(t1 - t0);
      searchLongest = longer(searchLongest, longestTask(t0, t1));
      if (r === 0) one.hits = found.map(positions);

      const many = searchBatch[e] as Pass;
      t0 = performance.now();
      const all = await idx.searchBatch(queries, { k, efSearch: ef });
      t1 = performance.now();
      many.ms.push(t1 - t0);
      batchLongest = longer(batchLongest, longestTask(t0, t1));
      if (r === 0) many.hits = all.map(positions);
    }
  }
  return {
    search,
    searchBatch,
    longestTaskMs: { search: searchLongest, searchBatch: batchLongest },
  };
}

export interface DirectParams extends SweepParams {
  readonly M: number;
  readonly efConstruction: number;
  readonly seed: number;
  readonly batch: number;
}

/**
 * hnswlib-wasm called directly on the page's main thread, as a page that
 * skips vicinity would: the same data and parameters, and the same calls as
 * vicinity's hnswlib-wasm engine makes in its worker ('cosine' space, raw
 * vectors, one addPoint per vector). The build goes in batches of
 * `params.batch` vectors with a yield to the event loop between them, as a
 * careful caller would; each search pass is one loop over all queries.
 * Labels are base positions, so hits need no id lookup. Called on a freshly
 * loaded page: loading the module is timed too.
 */
async function direct(params: DirectParams) {
  const d = loaded();
  const n = d.ids.length;
  const dim = d.dimensions;
  const { efs, k, repeat } = params;
  const queries = queryList(d);

  const t0 = performance.now();
  const { loadHnswlib } = await import('hnswlib-wasm');
  const lib = await loadHnswlib();
  const t1 = performance.now();
  // A new task for the build, so that the load's last task is not counted as the build's.
  await nextTask();
  const b0 = performance.now();
  const hnsw = new lib.HierarchicalNSW('cosine', dim, '');
  hnsw.initIndex(n, params.M, params.efConstruction, params.seed);
  let longestBatchMs = 0;
  for (let start = 0; start < n; start += params.batch) {
    const batch0 = performance.now();
    for (let i = start; i < Math.min(n, start + params.batch); i++) {
      hnsw.addPoint(d.base.subarray(i * dim, (i + 1) * dim), i, false);
    }
    longestBatchMs = Math.max(longestBatchMs, performance.now() - batch0);
    await nextTask();
  }
  const t2 = performance.now();
  const size = hnsw.getCurrentCount();
  const wasmMemoryBytes = lib.HEAPU8.buffer.byteLength;

  await nextTask();
  hnsw.setEfSearch(efs[0]!);
  for (const q of queries.slice(0, params.warmup)) hnsw.searchKnn(q, k, undefined);
  await nextTask();

  const search: Pass[] = efs.map((ef) => ({ ef, ms: [], hits: [] }));
  /** The slowest single query of the first pass, per efSearch. */
  const slowestQueryMs: number[] = efs.map(() => 0);
  const s0 = performance.now();
  for (let r = 0; r < repeat; r++) {
    for (const [e, ef] of efs.entries()) {
      const pass = search[e] as Pass;
      hnsw.setEfSearch(ef);
      const found: number[][] = [];
      const p0 = performance.now();
      if (r === 0) {
        for (const q of queries) {
          const q0 = performance.now();
          found.push(hnsw.searchKnn(q, k, undefined).neighbors);
          slowestQueryMs[e] = Math.max(slowestQueryMs[e]!, performance.now() - q0);
        }
      } else {
        for (const q of queries) found.push(hnsw.searchKnn(q, k, undefined).neighbors);
      }
      pass.ms.push(performance.now() - p0);
      if (r === 0) pass.hits = found;
      // Each pass is one task: the longest task is the longest pass, not all passes in one.
      await nextTask();
    }
  }
  const s1 = performance.now();
  return {
    loadMs: t1 - t0,
    buildMs: t2 - b0,
    longestBatchMs,
    size,
    wasmMemoryBytes,
    search,
    slowestQueryMs,
    longestTaskMs: {
      load: longestTask(t0, t1),
      build: longestTask(b0, t2),
      search: longestTask(s0, s1),
    },
  };
}

/** Saves, reads the stats, and closes the index. */
async function save() {
  const idx = opened();
  const t0 = performance.now();
  const saved = await idx.save();
  const t1 = performance.now();
  const stats = await idx.stats();
  await idx.close();
  index = undefined;
  return {
    saveMs: t1 - t0,
    byteLength: saved.byteLength,
    writtenBytes: saved.writtenBytes,
    snapshotBytes: stats.snapshotBytes,
    wasmMemoryBytes: stats.wasmMemoryBytes,
    // The heap never shrinks: after the save, its peak during it.
    jsHeapBytes: stats.memory.jsHeapBytes,
    longestTaskMs: longestTask(t0, t1),
  };
}

/**
 * Called on a freshly loaded page: opens the saved index (new worker, WASM
 * start, snapshot read from IndexedDB), runs one search, then opens it once
 * more in the same page, where the worker's modules are already cached.
 */
async function coldOpen(name: string, engine: EngineName, probe: number[], k: number) {
  const t0 = performance.now();
  const first = await VectorIndex.open(name, { engine, cache: false });
  const t1 = performance.now();
  const hits = await first.search(probe, { k });
  const t2 = performance.now();
  const stats = await first.stats();
  await first.close();
  const t3 = performance.now();
  const again = await VectorIndex.open(name, { engine, cache: false });
  const t4 = performance.now();
  await again.close();
  return {
    engine: stats.engine,
    openMs: t1 - t0,
    firstSearchMs: t2 - t1,
    reopenMs: t4 - t3,
    size: stats.size,
    // The heap never shrinks: after the open, its peak during it.
    wasmMemoryBytes: stats.wasmMemoryBytes,
    jsHeapBytes: stats.memory.jsHeapBytes,
    hits: hits.map((h) => h.id),
    longestTaskMs: longestTask(t0, t2),
  };
}

/**
 * The saved index opened again, `count` of its items replaced (ids spread
 * evenly over the base, each given the vector of the next base item), then
 * saved: what a save costs after a small change to a large index.
 */
async function resave(name: string, engine: EngineName, count: number) {
  const d = loaded();
  const n = d.ids.length;
  const dim = d.dimensions;
  const idx = await VectorIndex.open(name, { engine, cache: false });
  const before = await idx.stats();
  const items: Item[] = [];
  for (let c = 0; c < Math.min(count, n); c++) {
    const i = Math.floor((c * n) / Math.min(count, n));
    const from = (i + 1) % n;
    items.push({ id: d.ids[i] as string, vector: d.base.subarray(from * dim, (from + 1) * dim) });
  }
  const t0 = performance.now();
  await idx.upsert(items);
  const t1 = performance.now();
  const saved = await idx.save();
  const t2 = performance.now();
  const after = await idx.stats();
  await idx.close();
  return {
    upserted: items.length,
    upsertMs: t1 - t0,
    saveMs: t2 - t1,
    byteLength: saved.byteLength,
    writtenBytes: saved.writtenBytes,
    snapshotBytesBefore: before.snapshotBytes,
    snapshotBytes: after.snapshotBytes,
    size: after.size,
    longestTaskMs: longestTask(t0, t2),
  };
}

export interface PoolParams extends SweepParams {
  readonly engine: EngineName;
  /** Workers of the pooled index; it is measured against an index on one worker. */
  readonly workers: number;
  /** Callers of `search` at the same time. */
  readonly callers: number;
}

/** Every query through `search`, from `callers` loops at once, each awaiting its own calls. */
async function concurrentSearch(
  idx: VectorIndex,
  queries: readonly Float32Array[],
  callers: number,
  options: { k: number; efSearch: number },
): Promise<Hit[][]> {
  const found: Hit[][] = new Array<Hit[]>(queries.length);
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = c; i < queries.length; i += callers) {
        found[i] = await idx.search(queries[i]!, options);
      }
    }),
  );
  return found;
}

/**
 * The saved index opened twice in this page: on one worker, and on
 * `workers` workers (the primary and read-only replicas). Once the replicas
 * are ready, for each efSearch: all queries in one `searchBatch`, then
 * through `search` from `callers` concurrent loops, on each index in turn.
 * Repetitions go round the whole ef list, and the order of the two indexes
 * alternates between repetitions.
 */
async function pool(name: string, params: PoolParams) {
  const d = loaded();
  const { efs, k, repeat, engine, callers } = params;
  const queries = queryList(d);
  const positions = positionsIn(d);

  const single = await VectorIndex.open(name, { engine, cache: false });
  const t0 = performance.now();
  const pooled = await VectorIndex.open(name, {
    engine,
    workers: params.workers,
    cache: false,
  });
  const t1 = performance.now();
  await pooled.replicasReady();
  const t2 = performance.now();
  const [singleStats, pooledStats] = await Promise.all([single.stats(), pooled.stats()]);

  const sides = [
    { idx: single, batch: [] as Pass[], concurrent: [] as Pass[], longest: null as number | null },
    { idx: pooled, batch: [] as Pass[], concurrent: [] as Pass[], longest: null as number | null },
  ];
  const warmup = queries.slice(0, params.warmup);
  for (const side of sides) {
    side.batch = efs.map((ef) => ({ ef, ms: [], hits: [] }));
    side.concurrent = efs.map((ef) => ({ ef, ms: [], hits: [] }));
    await side.idx.searchBatch(warmup, { k, efSearch: efs[0] });
    await concurrentSearch(side.idx, warmup, callers, { k, efSearch: efs[0]! });
  }
  for (let r = 0; r < repeat; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const [e, ef] of efs.entries()) {
      for (const side of order) {
        const batch = side.batch[e] as Pass;
        let t = performance.now();
        const all = await side.idx.searchBatch(queries, { k, efSearch: ef });
        let u = performance.now();
        batch.ms.push(u - t);
        side.longest = longer(side.longest, longestTask(t, u));
        if (r === 0) batch.hits = all.map(positions);

        const concurrent = side.concurrent[e] as Pass;
        t = performance.now();
        const found = await concurrentSearch(side.idx, queries, callers, { k, efSearch: ef });
        u = performance.now();
        concurrent.ms.push(u - t);
        side.longest = longer(side.longest, longestTask(t, u));
        if (r === 0) concurrent.hits = found.map(positions);
      }
    }
  }
  const workersAfter = (await pooled.stats()).workers;
  await Promise.all([single.close(), pooled.close()]);
  return {
    engine: pooledStats.engine,
    openMs: t1 - t0,
    replicasReadyMs: t2 - t1,
    workers: { single: singleStats.workers, pooled: pooledStats.workers, after: workersAfter },
    searchBatch: { single: sides[0]!.batch, pooled: sides[1]!.batch },
    concurrentSearch: { single: sides[0]!.concurrent, pooled: sides[1]!.concurrent },
    longestTaskMs: { single: sides[0]!.longest, pooled: sides[1]!.longest },
  };
}

/**
 * A small index through every step once, with the given engine and number of
 * workers, so that the measured runs start warm.
 */
async function smoke(name: string, engine: EngineName, workers: number) {
  await VectorIndex.delete(name);
  const idx = await VectorIndex.open(name, { dimensions: 4, engine });
  await idx.upsert([
    { id: 'a', vector: [1, 0, 0, 0] },
    { id: 'b', vector: [0, 1, 0, 0] },
    { id: 'c', vector: [0, 0, 1, 1] },
  ]);
  const hits = await idx.search([1, 0.1, 0, 0], { k: 2 });
  await idx.searchBatch([[0, 1, 0, 0]], { k: 1 });
  await idx.save();
  const { engine: ran } = await idx.stats();
  await idx.close();
  const reopened = await VectorIndex.open(name, { engine, workers });
  await reopened.replicasReady();
  const batch = await reopened.searchBatch(
    Array.from({ length: 4 * workers }, () => [1, 0.1, 0, 0]),
    { k: 1 },
  );
  const size = reopened.size;
  const { workers: pool } = await reopened.stats();
  await reopened.close();
  await VectorIndex.delete(name);
  return {
    engine: ran,
    top: hits[0]?.id ?? null,
    batchTop: [...new Set(batch.map((h) => h[0]?.id ?? null))],
    size,
    workers: pool,
  };
}

async function remove(name: string): Promise<void> {
  if (index) await index.close();
  index = undefined;
  await VectorIndex.delete(name);
}

/** Calls per timed block: Chromium's timer has 100 µs steps on a page that is not cross-origin isolated. */
const CACHE_BLOCK = 10;

/**
 * The query cache on the saved index: every query once through `search`
 * (misses: a call to the worker each), then the same queries again, several
 * times (hits: answered on the page). Times are per call, each the mean of
 * a block of CACHE_BLOCK consecutive calls of one kind.
 */
async function cache(name: string, engine: EngineName, k: number, rounds: number) {
  const d = loaded();
  const queries = queryList(d);
  const idx = await VectorIndex.open(name, { engine });
  idx.cache?.clear();
  const timed = async (expectCached: boolean) => {
    const perCall: number[] = [];
    let wrong = 0;
    for (let start = 0; start < queries.length; start += CACHE_BLOCK) {
      const block = queries.slice(start, start + CACHE_BLOCK);
      const t0 = performance.now();
      for (const q of block) {
        const hits = await idx.search(q, { k });
        if (hits.cached !== expectCached) wrong++;
      }
      perCall.push((performance.now() - t0) / block.length);
    }
    return { perCall, wrong };
  };
  const miss = await timed(false);
  const hit = { perCall: [] as number[], wrong: 0 };
  for (let r = 0; r < rounds; r++) {
    const pass = await timed(true);
    hit.perCall.push(...pass.perCall);
    hit.wrong += pass.wrong;
  }
  const stats = idx.cache?.stats();
  await idx.close();
  return { block: CACHE_BLOCK, miss, hit, stats };
}

/**
 * What recording one operation in the monitor costs: `count` records into a
 * full ring buffer, in blocks, the mean per record of each block.
 */
function monitorCost(count: number) {
  const monitor = new PerformanceMonitor({ checkEveryMs: 0 });
  const perRecordUs: number[] = [];
  const block = 10_000;
  for (let done = 0; done < count; done += block) {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) {
      // As a call does: begin (in flight, for long-task attribution), then record.
      monitor.record({
        operation: 'search',
        startedAt: monitor.begin(),
        totalMs: (i % 100) / 10,
        workerMs: (i % 50) / 10,
        cached: i % 3 === 0,
        efSearch: 64,
      });
    }
    perRecordUs.push(((performance.now() - t0) * 1000) / block);
  }
  return { perRecordUs, records: count };
}

/**
 * What one redraw of <vicinity-dashboard> costs with a full monitor (1,000
 * operations over the last two minutes, all kinds, some failed and cached):
 * ms per `refresh()`, each timed alone.
 */
async function dashboardCost(redraws: number) {
  await import('../src/dashboard/index.js'); // defines <vicinity-dashboard>
  const monitor = new PerformanceMonitor({ checkEveryMs: 0 });
  const now = performance.now();
  const operations = ['search', 'searchBatch', 'upsert', 'loadtest'] as const;
  for (let i = 0; i < monitor.capacity; i++) {
    monitor.record({
      operation: operations[i % operations.length]!,
      startedAt: now - 120_000 + i * 120,
      totalMs: 0.2 + (i % 37) / 5,
      workerMs: 0.1 + (i % 11) / 10,
      cached: i % 4 === 0,
      ...(i % 53 === 0 ? { error: 'TIMEOUT' } : {}),
      efSearch: 64,
    });
  }
  const element = document.createElement('vicinity-dashboard');
  element.style.width = '1280px';
  document.body.append(element);
  element.index = {
    monitor,
    gauges: () => ({ index: 'bench', size: 100_000, efSearch: 64, cacheBytes: 1 << 20 }),
  };
  const perRedrawMs: number[] = [];
  for (let i = 0; i < redraws; i++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const t0 = performance.now();
    element.refresh();
    perRedrawMs.push(performance.now() - t0);
  }
  element.remove();
  return { perRedrawMs, records: monitor.capacity };
}

/**
 * The saved index under a sustained load: `users` virtual users of the
 * LoadTester for `durationMs`, on the page's main thread as an application's
 * would be, with the longest main-thread task seen meanwhile. The query
 * cache is off: with it, every search after the first seconds would be a
 * repeat answered on the page, and this would measure the cache.
 */
async function sustained(name: string, engine: EngineName, users: number, durationMs: number) {
  const d = loaded();
  const idx = await VectorIndex.open(name, { engine, cache: false });
  const queries = queryList(d);
  const t0 = performance.now();
  const result = await new LoadTester(idx).run({
    queries,
    users,
    durationMs,
    search: { k: 10 },
  });
  const t1 = performance.now();
  await idx.close();
  return {
    users,
    durationMs: result.durationMs,
    requests: result.requests,
    errors: result.errors,
    errorCodes: result.errorCodes,
    cacheHits: result.cacheHits,
    requestsPerSecond: result.requestsPerSecond,
    latencyMs: result.latencyMs,
    longestTaskMs: longestTask(t0, t1),
  };
}

const bench = {
  sustained,
  load,
  build,
  sweep,
  save,
  coldOpen,
  resave,
  cache,
  monitorCost,
  dashboardCost,
  pool,
  direct,
  smoke,
  remove,
};

declare global {
  interface Window {
    bench: typeof bench;
  }
}

window.bench = bench;
document.getElementById('status')?.replaceChildren('ready');
