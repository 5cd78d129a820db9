// The page side of bench/relevance.mjs: builds the demo's index of WordNet
// definitions (SIF vectors, and the definitions as text), then ranks the
// described words by vector, text and hybrid search through the worker,
// with and without the demo's reranking, on the held-out and the tuning set.
import { VectorIndex, type Hit, type SearchOptions } from '../src/index.js';
import { fetchEmbedder, fetchManifest, streamSynsets } from '../demo/assets.js';
import { PRIOR_WEIGHT, rerank } from '../demo/rank.js';
import heldOut from './relevance-set.json';
import tuning from './relevance-tuning.json';

declare global {
  interface Window {
    relevance?: unknown;
  }
}

interface Description {
  readonly description: string;
  readonly word: string;
}

interface Share {
  top1: number;
  top5: number;
  top10: number;
  p50Ms: number;
  p95Ms: number;
}

const out = document.getElementById('out')!;
const [manifest, embedder] = await Promise.all([fetchManifest(), fetchEmbedder()]);
const embed = (texts: string[]) =>
  texts.map((t) => embedder.embed(t) ?? new Float32Array(embedder.dimensions));
const name = `relevance-${Date.now()}`;
const index = await VectorIndex.open(name, {
  dimensions: embedder.dimensions,
  efConstruction: 100,
  initialCapacity: manifest.synsets,
  embed,
  cache: false,
});
let textBytes = 0;
const started = performance.now();
for await (const batch of streamSynsets(2000, () => undefined)) {
  for (const s of batch) textBytes += new TextEncoder().encode(s.definition).byteLength;
  await index.upsert(
    batch.map((s) => ({
      id: s.id,
      vector: embedder.embed(s.definition)!,
      text: s.definition,
      metadata: { words: s.words, definition: s.definition, prior: s.prior },
    })),
  );
  out.textContent = `indexed ${index.size}`;
}
const buildMs = performance.now() - started;
await index.save();
const withText = (await index.stats()).snapshotBytes;

const K = 10;
/** Candidates the demo's step reorders, as the demo fetches. */
const CANDIDATES = 50;

type Lane = (description: string) => Promise<Hit[]>;
const plain =
  (options: SearchOptions): Lane =>
  (d) =>
    index.search(d, { k: K, ...options });
const reranked =
  (mode: 'vector' | 'text' | 'hybrid', weight = PRIOR_WEIGHT): Lane =>
  async (d) => {
    const hits = await index.search(d, { k: CANDIDATES, mode });
    return rerank(embedder, d, hits, weight).slice(0, K);
  };
const lanes: Record<string, Lane> = {
  vector: plain({ mode: 'vector' }),
  text: plain({ mode: 'text' }),
  hybrid: plain({ mode: 'hybrid' }),
  'hybrid weighted': plain({ mode: 'hybrid', fusion: 'weighted' }),
  'vector + rerank': reranked('vector'),
  'text + rerank': reranked('text'),
  'hybrid + rerank, no prior': reranked('hybrid', 0),
  'hybrid + rerank (the demo)': reranked('hybrid'),
};

const rank = (hits: Hit[], word: string) =>
  hits.findIndex((h) =>
    String((h.metadata as { words: string }).words)
      .split(', ')
      .includes(word),
  );

async function measure(set: readonly Description[], lane: Lane) {
  const share: Share = { top1: 0, top5: 0, top10: 0, p50Ms: NaN, p95Ms: NaN };
  const misses: string[] = [];
  for (const d of set) {
    const at = rank(await lane(d.description), d.word);
    if (at === 0) share.top1++;
    if (at >= 0 && at < 5) share.top5++;
    else misses.push(d.word);
    if (at >= 0) share.top10++;
  }
  share.top1 /= set.length;
  share.top5 /= set.length;
  share.top10 /= set.length;
  return { share, misses };
}

const sets = { heldOut: heldOut.descriptions, tuning: tuning.descriptions };
const relevance: Record<string, Record<string, Share>> = {};
const misses: Record<string, Record<string, string[]>> = {};
for (const [setName, set] of Object.entries(sets)) {
  relevance[setName] = {};
  misses[setName] = {};
  for (const [lane, run] of Object.entries(lanes)) {
    const m = await measure(set, run);
    relevance[setName]![lane] = m.share;
    misses[setName]![lane] = m.misses;
  }
}
// The reranking's ceiling: the share of descriptions whose word is among
// the candidates it reorders at all; no order of them can do better.
const ceiling: Record<string, number> = {};
for (const [setName, set] of Object.entries(sets)) {
  let found = 0;
  for (const d of set) {
    const hits = await index.search(d.description, { k: CANDIDATES, mode: 'hybrid' });
    if (rank(hits, d.word) >= 0) found++;
  }
  ceiling[setName] = found / set.length;
}
// The prior's weight as it was chosen: the demo's ranking on the tuning set.
const weights: Record<string, Share> = {};
for (const weight of [0, 0.1, 0.2, 0.3, 0.5]) {
  weights[String(weight)] = (await measure(sets.tuning, reranked('hybrid', weight))).share;
}

// Latency on the held-out set: the modes at k 10 and the demo's whole
// ranking (hybrid at k 50, then its reranking), interleaved, five passes.
const timed: Record<string, Lane> = {
  vector: lanes.vector!,
  text: lanes.text!,
  hybrid: lanes.hybrid!,
  'hybrid + rerank (the demo)': lanes['hybrid + rerank (the demo)']!,
};
const times: Record<string, number[]> = {};
for (let round = 0; round < 5; round++) {
  for (const d of sets.heldOut) {
    for (const [lane, run] of Object.entries(timed)) {
      const t0 = performance.now();
      await run(d.description);
      (times[lane] ??= []).push(performance.now() - t0);
    }
  }
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
for (const [lane, xs] of Object.entries(times)) {
  relevance.heldOut![lane]!.p50Ms = quantile(xs, 0.5);
  relevance.heldOut![lane]!.p95Ms = quantile(xs, 0.95);
}
await index.close();
await VectorIndex.delete(name);
// The same items without text: the snapshot's size with no text index.
const bare = await VectorIndex.open(`${name}-bare`, {
  dimensions: embedder.dimensions,
  efConstruction: 100,
  initialCapacity: manifest.synsets,
  cache: false,
});
for await (const batch of streamSynsets(2000, () => undefined)) {
  await bare.upsert(
    batch.map((s) => ({
      id: s.id,
      vector: embedder.embed(s.definition)!,
      metadata: { words: s.words, definition: s.definition, prior: s.prior },
    })),
  );
}
await bare.save();
const withoutText = (await bare.stats()).snapshotBytes;
await bare.close();
await VectorIndex.delete(`${name}-bare`);
window.relevance = {
  items: manifest.synsets,
  descriptions: { heldOut: sets.heldOut.length, tuning: sets.tuning.length },
  buildMs,
  priorWeight: PRIOR_WEIGHT,
  candidates: CANDIDATES,
  relevance,
  ceiling,
  weights,
  misses,
  snapshot: {
    withText,
    withoutText,
    textIndexBytes: withText - withoutText,
    definitionTextBytes: textBytes,
  },
};
out.textContent = JSON.stringify(window.relevance, null, 2);
