// Relevance of vector, text and hybrid search on the demo's data: the
// held-out descriptions of bench/relevance-set.json (and the tuning ones of
// bench/relevance-tuning.json) against the 117k WordNet definitions (SIF
// vectors of wink's word vectors, and the definitions as text), each
// through the worker, in headless Chromium.
//
//   node bench/relevance.mjs [--port 5231] [--out bench/results/relevance.json]
//
// Prints the share of descriptions whose word is in the top 1, 5 and 10 by
// mode, with and without the demo's prior, the latency p50/p95 of each mode
// (interleaved, five passes), and the snapshot bytes the text index adds
// against the definitions' own bytes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prepare } from '../demo/prepare.mjs';
import { openBench, root } from './browser.mjs';
import { relevanceSection, withRelevanceSection } from './relevance-report.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const port = Number(arg('port', 5231));
const outFile = arg('out', join(root, 'bench/results/relevance.json'));
// --from <results.json>: the section again from saved results, without measuring.
const from = arg('from', null);
if (from !== null) {
  const result = JSON.parse(readFileSync(from, 'utf8'));
  const file = join(root, 'BENCHMARKS.md');
  writeFileSync(
    file,
    withRelevanceSection(readFileSync(file, 'utf8'), '', relevanceSection(result)),
  );
  process.exit(0);
}

await prepare();
const bench = await openBench({ port });
try {
  await bench.page.goto(`http://localhost:${port}/bench/relevance.html`);
  await bench.page.waitForFunction(() => window.relevance !== undefined, null, {
    timeout: 900_000,
    polling: 1000,
  });
  const result = await bench.page.evaluate(() => window.relevance);
  result.chromium = bench.chromiumVersion;
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(result, null, 2));
  console.log(relevanceSection(result));
  console.log(`misses at top 5: ${JSON.stringify(result.misses)}`);
  const file = join(root, 'BENCHMARKS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, withRelevanceSection(old, '', relevanceSection(result)));
  console.log('BENCHMARKS.md: relevance section written');
} finally {
  await bench.close();
}
