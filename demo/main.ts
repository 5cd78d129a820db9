import { VectorIndex, VicinityError } from '../src/index.js';
import { fetchWords } from '../test/support/words.js';

const INDEX = 'demo-words';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = $<HTMLInputElement>('query');
const kInput = $<HTMLInputElement>('k');
const minLength = $<HTMLInputElement>('min-length');
const status = $<HTMLParagraphElement>('status');
const progress = $<HTMLProgressElement>('progress');
const results = $<HTMLOListElement>('results');
const unknown = $<HTMLParagraphElement>('unknown');

const words = await fetchWords('/test/fixtures/words');
const allIds = [...words.base.ids, ...words.queries.ids];
const allVectors = [...words.base.vectors, ...words.queries.vectors];
const vectorOf = new Map(allIds.map((id, i) => [id, allVectors[i]!]));

/** A text is the mean of the vectors of the words we know; the others are reported. */
function embed(texts: string[]): Float32Array[] {
  return texts.map((text) => {
    const sum = new Float32Array(words.dimensions);
    for (const token of tokens(text)) {
      const v = vectorOf.get(token);
      if (v) v.forEach((x, d) => (sum[d]! += x));
    }
    return sum;
  });
}

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

async function openOrBuild(rebuild: boolean): Promise<VectorIndex> {
  if (rebuild) await VectorIndex.delete(INDEX);
  const started = performance.now();
  try {
    const index = await VectorIndex.open(INDEX, { embed });
    status.textContent = `Opened ${index.size.toLocaleString()} words from IndexedDB in ${Math.round(performance.now() - started)} ms.`;
    return index;
  } catch (error) {
    if (!(error instanceof VicinityError) || error.code !== 'NOT_FOUND') throw error;
  }
  const index = await VectorIndex.open(INDEX, { dimensions: words.dimensions, embed });
  progress.hidden = false;
  for (let i = 0; i < allIds.length; i += 500) {
    await index.upsert(
      allIds
        .slice(i, i + 500)
        .map((id, j) => ({ id, vector: allVectors[i + j]!, metadata: { length: id.length } })),
    );
    progress.value = Math.min(1, (i + 500) / allIds.length);
    status.textContent = `Indexing… ${Math.min(i + 500, allIds.length).toLocaleString()} of ${allIds.length.toLocaleString()} words`;
  }
  await index.save();
  progress.hidden = true;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  status.textContent = `Indexed and saved ${index.size.toLocaleString()} words in ${seconds} s. Reload: it opens from IndexedDB.`;
  return index;
}

let index = await openOrBuild(false);
progress.hidden = true;
query.disabled = false;
query.focus();

let pending = 0;
async function search(): Promise<void> {
  const text = query.value.trim();
  const known = tokens(text).filter((t) => vectorOf.has(t));
  const missing = tokens(text).filter((t) => !vectorOf.has(t));
  unknown.textContent = missing.length > 0 ? `Not in the vocabulary: ${missing.join(', ')}` : '';
  const ticket = ++pending;
  if (known.length === 0) {
    results.replaceChildren();
    return;
  }
  const k = Math.max(1, Math.min(50, Number(kInput.value) || 10));
  const min = Math.max(0, Number(minLength.value) || 0);
  const started = performance.now();
  const hits = await index.search(text, {
    k: k + known.length,
    filter: min > 0 ? { length: { $gte: min } } : undefined,
  });
  if (ticket !== pending) return;
  // The query's own words are trivially nearest: leave them out.
  const shown = hits.filter((h) => !known.includes(h.id)).slice(0, k);
  results.replaceChildren(
    ...shown.map((hit) => {
      const li = document.createElement('li');
      const word = document.createElement('span');
      word.className = 'word';
      word.textContent = hit.id;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0, hit.score) * 100}%`;
      word.append(bar);
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = hit.score.toFixed(3);
      li.append(word, score);
      li.dataset.id = hit.id;
      return li;
    }),
  );
  status.textContent = `${shown.length} neighbours in ${(performance.now() - started).toFixed(1)} ms (worker round trip included).`;
}

for (const input of [query, kInput, minLength]) {
  input.addEventListener('input', () => void search().catch(showError));
}
$<HTMLButtonElement>('rebuild').addEventListener('click', () => {
  query.disabled = true;
  void (async () => {
    await index.close();
    index = await openOrBuild(true);
    query.disabled = false;
    await search();
  })().catch(showError);
});

function showError(error: unknown): void {
  status.textContent =
    error instanceof VicinityError ? `${error.code}: ${error.message}` : String(error);
}
