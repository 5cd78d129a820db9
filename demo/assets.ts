// Fetching what demo/prepare.mjs wrote, with progress.
import { Embedder, type Vocabulary } from './embed.js';

/** Beside the page (not `import.meta.url`, which a bundler rewrites). */
const BASE = new URL('assets/', document.baseURI);

export interface Manifest {
  readonly format: number;
  /** Of the script that made them. */
  readonly script: string;
  readonly wordnet: string;
  readonly embeddings: string;
  readonly sifA: number;
  readonly synsets: number;
}

export interface Synset {
  readonly id: string;
  readonly pos: string;
  /** The words of the synset, comma separated. */
  readonly words: string;
  readonly definition: string;
  /** How common the synset's words are, about 0 to 1.2 (demo/prepare.mjs `prior`). */
  readonly prior: number;
}

async function fetchOk(name: string): Promise<Response> {
  const response = await fetch(new URL(name, BASE));
  if (!response.ok) {
    throw new Error(
      `${name}: ${response.status} ${response.statusText}. Run \`npm run demo\`, which prepares the assets.`,
    );
  }
  return response;
}

export async function fetchManifest(): Promise<Manifest> {
  return (await (await fetchOk('manifest.json')).json()) as Manifest;
}

export async function fetchEmbedder(): Promise<Embedder> {
  const [vocabulary, vectors] = await Promise.all([
    fetchOk('vocabulary.json').then((r) => r.json() as Promise<Vocabulary>),
    fetchOk('vectors.i8').then((r) => r.arrayBuffer()),
  ]);
  return new Embedder(vocabulary, new Int8Array(vectors));
}

/**
 * The synsets, in batches as the download goes: lines are parsed from each
 * chunk as it arrives, so that an 11 MB file never becomes one long task.
 * `onBytes` gets the bytes received and the total (0 when unknown).
 */
export async function* streamSynsets(
  batchSize: number,
  onBytes: (received: number, total: number) => void,
): AsyncGenerator<Synset[]> {
  const response = await fetchOk('synsets.tsv');
  const total = Number(response.headers.get('content-length') ?? 0);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = 0;
  let rest = '';
  let batch: Synset[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (!done) {
      // Characters, not bytes, but the file is ASCII but for a few names.
      received += value.length;
      onBytes(received, total);
    }
    const text = rest + (value ?? '');
    const lines = text.split('\n');
    rest = done ? '' : lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      const [id, pos, words, definition, prior] = line.split('\t') as [
        string,
        string,
        string,
        string,
        string,
      ];
      batch.push({ id, pos, words, definition, prior: Number(prior) });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (done) break;
  }
  if (batch.length > 0) yield batch;
}
