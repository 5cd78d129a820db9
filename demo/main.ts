import { VectorIndex, VicinityError, type AdaptiveOptimizer } from '../src/index.js';
import '../src/dashboard/index.js';
import { tokens } from './embed.js';
import { fetchEmbedder, fetchManifest, streamSynsets, type Manifest } from './assets.js';
import { count, mountPanels } from './panels.js';
import { PRIOR_WEIGHT, rerank, type Ranked } from './rank.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = $<HTMLInputElement>('query');
const status = $<HTMLParagraphElement>('status');
const progress = $<HTMLProgressElement>('progress');
const results = $<HTMLOListElement>('results');
const unknown = $<HTMLParagraphElement>('unknown');
const posField = $<HTMLFieldSetElement>('pos');

/** Descriptions the load test sends (with rewrites and typos of its own). */
const EXAMPLES = [
  'a large body of salt water',
  'the first meal of the day',
  'a building where books are kept',
  'frozen water',
  'a young dog',
  'a doctor for animals',
  'a tool for cutting wood',
  'a place where airplanes land',
  'unable to see',
  'to speak very quietly',
  'a person who writes books',
  'feeling very happy',
];

const [manifest, embedder] = await Promise.all([fetchManifest(), fetchEmbedder()]).catch(
  (error: unknown) => {
    showError(error);
    throw error;
  },
);

/** The `embed` option: queries are embedded on the page exactly as the definitions were. */
function embed(texts: string[]): Float32Array[] {
  return texts.map((text) => {
    const vector = embedder.embed(text);
    if (!vector) throw new Error(`no word of "${text}" is in the vocabulary`);
    return vector;
  });
}

const INDEX = 'reverse-dictionary';

/** An index built from other assets (an older script, other packages) is deleted. */
async function forgetOlderBuild(manifest: Manifest): Promise<void> {
  const key = 'vicinity-demo-assets';
  // `text2`: built with each definition as text, for hybrid search; older builds had none.
  const assets = `${manifest.format}-${manifest.script}-${manifest.wordnet}-${manifest.embeddings}-text2`;
  if (localStorage.getItem(key) !== assets) {
    await VectorIndex.delete(INDEX);
    localStorage.setItem(key, assets);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function openSaved(name: string): Promise<VectorIndex | null> {
  const started = performance.now();
  let index: VectorIndex;
  try {
    index = await VectorIndex.open(name, { embed });
  } catch (error) {
    if (error instanceof VicinityError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
  if (index.size !== manifest.synsets) {
    // Saved from a build that did not finish: start again.
    await index.close();
    await VectorIndex.delete(name);
    return null;
  }
  const ms = performance.now() - started;
  status.dataset.source = 'indexeddb';
  status.textContent = `Opened ${count(index.size)} definitions from IndexedDB in ${Math.round(ms)} ms.`;
  return index;
}

async function build(name: string): Promise<VectorIndex> {
  const started = performance.now();
  const index = await VectorIndex.open(name, {
    dimensions: embedder.dimensions,
    // A lighter build than the default 200: the first visit waits for it.
    efConstruction: 100,
    initialCapacity: manifest.synsets,
    embed,
  });
  progress.hidden = false;
  let megabytes = '';
  for await (const batch of streamSynsets(1000, (received, total) => {
    megabytes = total
      ? ` (downloaded ${(received / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`
      : '';
  })) {
    await index.upsert(
      batch.map((synset) => ({
        id: synset.id,
        vector: embedder.embed(synset.definition)!,
        text: synset.definition,
        metadata: {
          pos: synset.pos,
          words: synset.words,
          definition: synset.definition,
          prior: synset.prior,
        },
      })),
    );
    progress.value = index.size / manifest.synsets;
    status.textContent = `Indexing definitions in the worker: ${count(index.size)} of ${count(manifest.synsets)}${megabytes}…`;
  }
  status.textContent = 'Saving to IndexedDB…';
  await index.save();
  progress.hidden = true;
  status.dataset.source = 'built';
  status.textContent = `Indexed and saved ${count(index.size)} definitions in ${seconds(performance.now() - started)}. A reload opens them from IndexedDB.`;
  return index;
}

function showError(error: unknown): void {
  status.dataset.source = 'error';
  status.textContent =
    error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
}

/**
 * Definitions fetched per query by hybrid search (the definitions' mean
 * vectors and their words by BM25, fused by RRF), which the page then
 * orders by their cosine, how well each covers the query's words, and a
 * little of each synset's prior (demo/rank.ts). BENCHMARKS.md (Relevance)
 * measures what each step adds.
 */
const CANDIDATES = 50;

function renderHit(hit: Ranked): HTMLLIElement {
  const { pos, words, definition } = hit.metadata as {
    pos: string;
    words: string;
    definition: string;
  };
  const [word, ...others] = words.split(', ');
  const li = document.createElement('li');
  li.dataset.id = hit.id;
  li.dataset.words = words;
  li.dataset.pos = pos;
  const head = document.createElement('div');
  head.className = 'head';
  const w = document.createElement('span');
  w.className = 'word';
  w.textContent = word!;
  const p = document.createElement('span');
  p.className = 'pos';
  p.textContent = pos;
  const s = document.createElement('span');
  s.className = 'score';
  s.textContent = hit.score.toFixed(3);
  s.title = `cosine ${hit.cosine.toFixed(3)}, averaged with how well the definition covers the query's words, plus ${PRIOR_WEIGHT} × how common its words are`;
  head.append(w, p, s);
  li.append(head);
  if (others.length > 0) {
    const also = document.createElement('p');
    also.className = 'also';
    also.textContent = others.join(', ');
    li.append(also);
  }
  const d = document.createElement('p');
  d.className = 'definition';
  d.textContent = definition;
  li.append(d);
  return li;
}

await forgetOlderBuild(manifest);
const name = INDEX;
const index = await openSaved(name)
  .then((saved) => saved ?? build(name))
  .catch((error: unknown) => {
    showError(error);
    throw error;
  });
progress.hidden = true;

const dashboard = $<HTMLElement & { index: VectorIndex; optimizer: AdaptiveOptimizer | null }>(
  'dashboard',
);
// Nearly every description is typed once, and the type-ahead searches it on the way: a low
// hit rate is this page's normal use, not a fault. The dashboard still shows the rate; latency
// and errors keep their alerts.
index.monitor.alerts.configure({ cacheHitRate: null });
dashboard.index = index;
mountPanels(index, dashboard, EXAMPLES);

let ticket = 0;
async function search(): Promise<void> {
  const mine = ++ticket;
  const text = query.value.trim();
  const missing = embedder.unknown(text);
  unknown.textContent = missing.length > 0 ? `Not in the vocabulary: ${missing.join(', ')}` : '';
  if (tokens(text).length === missing.length) {
    // No word with a vector: nothing to search for, and nothing of the last search is left shown.
    results.replaceChildren();
    results.dataset.query = text;
    status.textContent = '';
    return;
  }
  const pos = posField.querySelector<HTMLInputElement>('input:checked')?.value ?? '';
  const started = performance.now();
  const hits = await index.search(text, {
    k: CANDIDATES,
    mode: 'hybrid',
    filter: pos ? { pos } : undefined,
  });
  if (mine !== ticket) return; // a later keystroke has its own answer coming
  const ranked = rerank(embedder, text, hits).slice(0, 10);
  results.replaceChildren(...ranked.map(renderHit));
  results.dataset.query = text;
  const ms = (performance.now() - started).toFixed(1);
  status.textContent = `${ranked.length} of ${hits.length} nearest in ${ms} ms${hits.cached ? ', from the query cache' : ''}.`;
}

let timer: ReturnType<typeof setTimeout> | undefined;
query.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => void search().catch(showError), 150);
});
posField.addEventListener('change', () => void search().catch(showError));
query.disabled = false;
query.focus();
if (query.value.trim() !== '') void search().catch(showError);
