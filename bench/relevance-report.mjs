// The relevance section of BENCHMARKS.md: written by bench/relevance.mjs,
// kept as it is by bench/run.mjs's report (between its markers).
const BEGIN = '<!-- relevance:begin -->';
const END = '<!-- relevance:end -->';

/** `doc` with the relevance section of `old` (or `section`, when given) at its end. */
export function withRelevanceSection(doc, old, section = null) {
  const find = (text) => {
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    return a >= 0 && b > a ? [a, b + END.length] : null;
  };
  const kept = section === null ? (find(old) ? old.slice(...find(old)) : null) : null;
  const span = find(doc);
  const rest = span ? doc.slice(0, span[0]) + doc.slice(span[1]) : doc;
  const body = section === null ? kept : `${BEGIN}\n\n${section.trim()}\n\n${END}`;
  return body ? `${rest.trimEnd()}\n\n${body}\n` : rest;
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;
const ms = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '–');

const table = (shares, timed) => [
  `| ranking | top-1 | top-5 | top-10${timed ? ' | p50 ms | p95 ms' : ''} |`,
  `| --- | --- | --- | ---${timed ? ' | --- | ---' : ''} |`,
  ...Object.entries(shares).map(
    ([lane, r]) =>
      `| ${lane} | ${pct(r.top1)} | ${pct(r.top5)} | ${pct(r.top10)}${timed ? ` | ${ms(r.p50Ms)} | ${ms(r.p95Ms)}` : ''} |`,
  ),
];

/** The section's Markdown from a run's result (bench/results/relevance.json). */
export function relevanceSection(result) {
  const s = result.snapshot;
  const n = result.descriptions;
  return [
    '## Relevance: text and hybrid search',
    '',
    `The demo's data: ${result.items.toLocaleString('en')} WordNet definitions, each a SIF vector of wink's`,
    `100-d word vectors and its text (BM25 with the \`english\` tokenizer). Descriptions written for`,
    `this benchmark, none a WordNet gloss: ${n.heldOut} held out (\`bench/relevance-set.json\`), used only to`,
    `measure, and ${n.tuning} for tuning (\`bench/relevance-tuning.json\`), on which the demo's choices were`,
    'made. A description counts at top n when a synset listing its word is among the first n hits.',
    '',
    `\`+ rerank\` is the demo's last step (demo/rank.ts): ${result.candidates} candidates ordered on the page by`,
    "the mean of the query-definition cosine and how well the definition covers the query's words,",
    `plus ${result.priorWeight} × the synset's prior, how common its words are (WordNet's sense-tag counts`,
    "and word frequency in wink's corpus; demo/prepare.mjs). Latency: `search()` through the worker,",
    "`cache: false`, k 10 (the demo's lane: k 50 and its reranking), the lanes interleaved over five",
    'passes of the held-out',
    `set, in headless Chromium ${result.chromium} on this machine (see Machine).`,
    '',
    `### Held out (${n.heldOut} descriptions)`,
    '',
    ...table(result.relevance.heldOut, true),
    '',
    `### Tuning (${n.tuning} descriptions)`,
    '',
    ...table(result.relevance.tuning, false),
    '',
    `The reranking can do no better than its ${result.candidates} candidates: the described word is among`,
    `the hybrid search's first ${result.candidates} for ${pct(result.ceiling.heldOut)} of the held-out descriptions and`,
    `${pct(result.ceiling.tuning)} of the tuning ones.`,
    '',
    "The prior's weight, chosen on the tuning set (hybrid, then the reranking):",
    '',
    ...table(
      Object.fromEntries(Object.entries(result.weights).map(([w, r]) => [`weight ${w}`, r])),
      false,
    ),
    '',
    `Text index in the snapshot: ${s.textIndexBytes.toLocaleString('en')} bytes, ` +
      `${(s.textIndexBytes / s.definitionTextBytes).toFixed(2)}× the definitions' ` +
      `${s.definitionTextBytes.toLocaleString('en')} bytes of UTF-8 (snapshot ` +
      `${s.withText.toLocaleString('en')} bytes with text, ${s.withoutText.toLocaleString('en')} without).`,
    '',
    goals(result),
    '',
    'Reproduce: `node bench/relevance.mjs` (about two minutes; writes bench/results/relevance.json',
    'and this section).',
  ].join('\n');
}

/** The issue's goals against this run: met or not, with the figures. */
function goals(result) {
  const r = result.relevance.heldOut;
  const demo = r['hybrid + rerank (the demo)'];
  const vector = r['vector + rerank'];
  const s = result.snapshot;
  const ratio = s.textIndexBytes / s.definitionTextBytes;
  const points = 100 * (demo.top5 - vector.top5);
  const yes = (ok) => (ok ? 'met' : 'not met');
  return [
    `Goals, on the held-out set: the demo's hybrid top-5 ≥ 85 % and ≥ 10 points above vector search`,
    `with the same step — ${yes(demo.top5 >= 0.85 && points >= 10)} (${pct(demo.top5)}, ${points.toFixed(1)} points above`,
    `vector's ${pct(vector.top5)}; ${(100 * (demo.top5 - r.vector.top5)).toFixed(1)} above plain vector search); hybrid p50 ≤ 5 ms —`,
    `${yes(r.hybrid.p50Ms <= 5)} (${ms(r.hybrid.p50Ms)} ms; the demo's whole lane ${ms(demo.p50Ms)} ms); text index ≤ 2× the`,
    `text — ${yes(ratio <= 2)} (${ratio.toFixed(2)}×).`,
  ].join('\n');
}
