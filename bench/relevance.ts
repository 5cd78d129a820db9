// The page side of bench/relevance.mjs: builds the demo's index of WordNet
// definitions (SIF vectors, and the definitions as text), then ranks the
// held-out descriptions by vector, text and hybrid search through the worker.
import { VectorIndex, type Hit } from '../src/index.js';
import { fetchEmbedder, fetchManifest, streamSynsets } from '../demo/assets.js';
import set from './relevance-set.json';

declare global {
  interface Window {
    relevance?: unknown;
  }
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
      metadata: { words: s.words, definition: s.definition },
    })),
  );
  out.textContent = `indexed ${index.size}`;
}
const buildMs = performance.now() - started;
await index.save();
const withText = (await index.stats()).snapshotBytes;

const descriptions = set.descriptions;
const K = 10;
const modes = ['vector', 'text', 'hybrid'] as const;
const found = (hits: Hit[], word: string) =>
  hits.findIndex((h) =>
    String((h.metadata as { words: string }).words)
      .split(', ')
      .includes(word),
  );
const relevance: Record<
  string,
  { top1: number; top5: number; top10: number; p50Ms: number; p95Ms: number }
> = {};
const misses: Record<string, string[]> = {};
for (const mode of modes) {
  let top1 = 0;
  let top5 = 0;
  let top10 = 0;
  misses[mode] = [];
  for (const d of descriptions) {
    const hits = await index.search(d.description, { k: K, mode });
    const at = found(hits, d.word);
    if (at === 0) top1++;
    if (at >= 0 && at < 5) top5++;
    else misses[mode]!.push(d.word);
    if (at >= 0) top10++;
  }
  const n = descriptions.length;
  relevance[mode] = { top1: top1 / n, top5: top5 / n, top10: top10 / n, p50Ms: 0, p95Ms: 0 };
}
// Hybrid variants: the weighted fusion, and more candidates per side.
const variants = {
  'hybrid weighted': { mode: 'hybrid', fusion: 'weighted' },
  'hybrid weighted 0.7 text': {
    mode: 'hybrid',
    fusion: { method: 'weighted', vector: 0.3, text: 0.7 },
  },
  'hybrid rrf 100 candidates': { mode: 'hybrid', candidates: 100 },
} as const;
for (const [lane, options] of Object.entries(variants)) {
  let top1 = 0;
  let top5 = 0;
  let top10 = 0;
  misses[lane] = [];
  for (const d of descriptions) {
    const hits = await index.search(d.description, { k: K, ...options });
    const at = found(hits, d.word);
    if (at === 0) top1++;
    if (at >= 0 && at < 5) top5++;
    else misses[lane]!.push(d.word);
    if (at >= 0) top10++;
  }
  const n = descriptions.length;
  relevance[lane] = { top1: top1 / n, top5: top5 / n, top10: top10 / n, p50Ms: NaN, p95Ms: NaN };
}

/*
 * The demo's reranking step on top of each: 50 candidates, ordered by the
 * mean of the query-definition cosine and how well the definition covers
 * the query's words (demo/main.ts `rerank`).
 */
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
};
for (const mode of ['vector', 'hybrid'] as const) {
  let top1 = 0;
  let top5 = 0;
  let top10 = 0;
  const lane = `${mode}+rerank`;
  misses[lane] = [];
  for (const d of descriptions) {
    const q = embedder.embed(d.description)!;
    const coverage = embedder.coverage(d.description);
    const hits = await index.search(d.description, { k: 50, mode });
    const ranked = hits
      .map((h) => {
        const { definition } = h.metadata as { definition: string };
        const c = cosine(q, embedder.embed(definition) ?? q);
        return { ...h, score: (c + coverage(definition)) / 2 };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, K);
    const at = found(ranked, d.word);
    if (at === 0) top1++;
    if (at >= 0 && at < 5) top5++;
    else misses[lane]!.push(d.word);
    if (at >= 0) top10++;
  }
  const n = descriptions.length;
  relevance[lane] = { top1: top1 / n, top5: top5 / n, top10: top10 / n, p50Ms: NaN, p95Ms: NaN };
}

// Latency: the three modes interleaved, each description several times.
const times: Record<string, number[]> = { vector: [], text: [], hybrid: [] };
for (let round = 0; round < 5; round++) {
  for (const d of descriptions) {
    for (const mode of modes) {
      const t0 = performance.now();
      await index.search(d.description, { k: K, mode });
      times[mode]!.push(performance.now() - t0);
    }
  }
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
for (const mode of modes) {
  relevance[mode]!.p50Ms = quantile(times[mode]!, 0.5);
  relevance[mode]!.p95Ms = quantile(times[mode]!, 0.95);
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
      metadata: { words: s.words, definition: s.definition },
    })),
  );
}
await bare.save();
const withoutText = (await bare.stats()).snapshotBytes;
await bare.close();
await VectorIndex.delete(`${name}-bare`);
window.relevance = {
  items: manifest.synsets,
  descriptions: descriptions.length,
  buildMs,
  relevance,
  misses,
  snapshot: {
    withText,
    withoutText,
    textIndexBytes: withText - withoutText,
    definitionTextBytes: textBytes,
  },
};
out.textContent = JSON.stringify(window.relevance, null, 2);
