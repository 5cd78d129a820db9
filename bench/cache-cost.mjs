// npm run bench:cache — what the query cache (on by default) adds to a search
// that misses it, against `cache: false`, and what a hit costs, in headless
// Chromium. Prints the ratio per block (median and spread) and the mean page
// time of a hit. Timings are never asserted.
//
//   node bench/cache-cost.mjs [--blocks 20] [--seed 1]
import { parseArgs } from 'node:util';
import { openBench } from './browser.mjs';

const { values } = parseArgs({
  options: { blocks: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } },
});
const bench = await openBench({ port: 5207 });
try {
  const { page, url } = bench;
  await page.goto(url.replace(/page\.html$/, 'cache-cost.html'));
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const r = await page.evaluate((options) => window.cacheCost.run(options), {
    blocks: Number(values.blocks),
    seed: Number(values.seed),
  });
  const fmt = (x) => `${x.toFixed(3)}×`;
  const spread = (ratios) => {
    ratios.sort((a, b) => a - b);
    const at = (q) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))];
    return `median ${fmt(at(0.5))} (blocks ${fmt(ratios[0])}–${fmt(ratios.at(-1))}, quartiles ${fmt(at(0.25))}–${fmt(at(0.75))})`;
  };
  console.log(
    `one awaited search at a time, ${r.perBlock.length} blocks of 50, lanes interleaved:\n` +
      `  cache miss / cache: false            ${spread(r.perBlock.map((b) => b.miss / b.off))}\n` +
      `  cache: false / cache: false (control) ${spread(r.perBlock.map((b) => b.control / b.off))}`,
  );
  const offUs = r.perBlock.map((b) => b.off * 1000).sort((a, b) => a - b);
  console.log(
    `  (cache: false: ${offUs[offUs.length >> 1].toFixed(0)} µs per search, median block)`,
  );
  console.log(
    `cache hit: ${(r.hitMs * 1000).toFixed(1)} µs of page time per awaited search (mean of 1,000, fastest of 5 runs; ` +
      `performance.now() is coarse without cross-origin isolation: ${r.crossOriginIsolated ? 'isolated' : 'not isolated'})`,
  );
  const off = offUs[offUs.length >> 1];
  const work = (us) => `${us.toFixed(1)} µs (${(1 + us / off).toFixed(3)}× a cache: false search)`;
  console.log(
    `cache miss, the cache's own page work: ${work(r.missWork.bare)} for hits without metadata, ` +
      `${work(r.missWork.metadata)} with the demo's (mean of 5,000, fastest of 3 runs)`,
  );
  console.log(
    `cache: ${r.stats.hits} hits, ${r.stats.misses} misses, ${r.stats.persistErrors} write errors`,
  );
  console.log('measured on a shared, noisy 2-core machine; timings are not asserted');
} finally {
  await bench.close();
}
