// The relevance section of BENCHMARKS.md: written by bench/relevance.mjs,
// kept as it is by bench/run.mjs's report (between its markers). Its prose
// is bench/RELEVANCE.template.md, filled with the figures and tables made here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fillTemplate } from './report-template.mjs';

/** The template of the relevance section of BENCHMARKS.md, which holds all of its prose. */
export const RELEVANCE_TEMPLATE = fileURLToPath(
  new URL('./RELEVANCE.template.md', import.meta.url),
);

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

/** The formats the relevance template may name: `{{figure | format}}`. */
const RELEVANCE_FORMATS = {
  count: (v) => v.toLocaleString('en'),
  percent: pct,
  latency: ms,
  fixed1: (v) => v.toFixed(1),
  fixed2: (v) => v.toFixed(2),
};

/** The issue's goals against this run: met or not, with the figures. */
function goals(result) {
  const r = result.relevance.heldOut;
  const demo = r['hybrid + rerank (the demo)'];
  const vector = r['vector + rerank'];
  const s = result.snapshot;
  const ratio = s.textIndexBytes / s.definitionTextBytes;
  const points = 100 * (demo.top5 - vector.top5);
  return {
    top5: {
      met: demo.top5 >= 0.85 && points >= 10,
      demo: demo.top5,
      points,
      vectorRerank: vector.top5,
      overVector: 100 * (demo.top5 - r.vector.top5),
    },
    latency: {
      met: r.hybrid.p50Ms <= 5,
      hybridP50Ms: r.hybrid.p50Ms ?? null,
      demoP50Ms: demo.p50Ms ?? null,
    },
    textIndex: { met: ratio <= 2, ratio },
  };
}

/** What the relevance template's placeholders name: the run's figures and its tables. */
export function relevanceContext(result) {
  const s = result.snapshot;
  return {
    items: result.items,
    descriptions: result.descriptions,
    candidates: result.candidates,
    priorWeight: result.priorWeight,
    chromium: result.chromium,
    ceiling: result.ceiling,
    table: {
      heldOut: table(result.relevance.heldOut, true).join('\n'),
      tuning: table(result.relevance.tuning, false).join('\n'),
      weights: table(
        Object.fromEntries(Object.entries(result.weights).map(([w, r]) => [`weight ${w}`, r])),
        false,
      ).join('\n'),
    },
    snapshot: {
      textIndexBytes: s.textIndexBytes,
      definitionTextBytes: s.definitionTextBytes,
      textIndexRatio: s.textIndexBytes / s.definitionTextBytes,
      withText: s.withText,
      withoutText: s.withoutText,
    },
    goals: goals(result),
  };
}

/**
 * The section's Markdown from a run's result (bench/results/relevance.json)
 * and the template (by default the file).
 */
export function relevanceSection(result, template = readFileSync(RELEVANCE_TEMPLATE, 'utf8')) {
  return fillTemplate(template, relevanceContext(result), {
    formats: RELEVANCE_FORMATS,
    source: 'bench/RELEVANCE.template.md',
  }).trimEnd();
}
