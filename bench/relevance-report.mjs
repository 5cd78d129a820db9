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

/** The section's Markdown from a run's result (bench/results/relevance.json). */
export function relevanceSection(result) {
  const rows = Object.entries(result.relevance).map(
    ([mode, r]) =>
      `| ${mode} | ${pct(r.top1)} | ${pct(r.top5)} | ${pct(r.top10)} | ${ms(r.p50Ms)} | ${ms(r.p95Ms)} |`,
  );
  const s = result.snapshot;
  return [
    '## Relevance: text and hybrid search',
    '',
    `The demo's data: ${result.items.toLocaleString('en')} WordNet definitions, each a SIF vector of wink's`,
    `100-d word vectors and its text (BM25 with the \`english\` tokenizer). ${result.descriptions}`,
    'held-out descriptions written for this benchmark (`bench/relevance-set.json`, none a WordNet',
    'gloss); a description counts at top n when a synset listing its word is among the first n hits.',
    'Latency: `search()` through the worker, `cache: false`, k 10, the three modes interleaved over',
    `five passes of the set, in headless Chromium ${result.chromium} on this machine (see Machine).`,
    '`+rerank` lanes take 50 candidates and order them on the page as the demo did (mean of the',
    'cosine and the coverage of the query words); their latency is not measured.',
    '',
    '| mode | top-1 | top-5 | top-10 | p50 ms | p95 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Text index in the snapshot: ${s.textIndexBytes.toLocaleString('en')} bytes, ` +
      `${(s.textIndexBytes / s.definitionTextBytes).toFixed(2)}× the definitions' ` +
      `${s.definitionTextBytes.toLocaleString('en')} bytes of UTF-8 (snapshot ` +
      `${s.withText.toLocaleString('en')} bytes with text, ${s.withoutText.toLocaleString('en')} without).`,
    '',
    goals(result),
    '',
    'Reproduce: `node bench/relevance.mjs` (about five minutes; writes bench/results/relevance.json',
    'and this section).',
  ].join('\n');
}

/** The goals against this run: met or not, with the figures. */
function goals(result) {
  const { vector, hybrid } = result.relevance;
  const s = result.snapshot;
  const ratio = s.textIndexBytes / s.definitionTextBytes;
  const points = 100 * (hybrid.top5 - vector.top5);
  const yes = (ok) => (ok ? 'met' : 'not met');
  return [
    `Goals: hybrid top-5 ≥ 85 % and ≥ 10 points above vector — ${yes(hybrid.top5 >= 0.85 && points >= 10)}`,
    `(${pct(hybrid.top5)}, ${points.toFixed(1)} points above vector); hybrid p50 ≤ 5 ms — ${yes(hybrid.p50Ms <= 5)}`,
    `(${ms(hybrid.p50Ms)} ms); text index ≤ 2× the text — ${yes(ratio <= 2)} (${ratio.toFixed(2)}×).`,
  ].join('\n');
}
