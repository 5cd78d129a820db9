/** The committed fixture of real word vectors (see scripts/make-fixture.mjs). */
export interface WordSet {
  readonly dimensions: number;
  readonly base: { readonly ids: string[]; readonly vectors: Float32Array[] };
  readonly queries: { readonly ids: string[]; readonly vectors: Float32Array[] };
}

interface FixtureHeader {
  dimensions: number;
  base: number;
  words: string[];
  scales: number[];
}

export function decodeWords(header: FixtureHeader, codes: Int8Array): WordSet {
  const { dimensions } = header;
  const vectors = header.words.map((_, i) => {
    const scale = header.scales[i] as number;
    const v = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) v[d] = (codes[i * dimensions + d] as number) * scale;
    return v;
  });
  return {
    dimensions,
    base: { ids: header.words.slice(0, header.base), vectors: vectors.slice(0, header.base) },
    queries: { ids: header.words.slice(header.base), vectors: vectors.slice(header.base) },
  };
}

export async function fetchWords(baseUrl = '/test/fixtures/words'): Promise<WordSet> {
  const [header, bytes] = await Promise.all([
    fetch(`${baseUrl}.json`).then((r) => r.json() as Promise<FixtureHeader>),
    fetch(`${baseUrl}.bin`).then((r) => r.arrayBuffer()),
  ]);
  return decodeWords(header, new Int8Array(bytes));
}
