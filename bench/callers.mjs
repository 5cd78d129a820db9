// Throughput of 8 concurrent `search` callers and of single awaited calls,
// as ratios to one `searchBatch` of the same queries, in one page: the 12,000
// word vectors of the test fixture, lanes interleaved in 50-query blocks in
// shuffled order, the fastest of 3 repetitions after a warm run.
//
//   npx vite --port 5302 --strictPort &   # this checkout's dev server
//   node bench/callers.mjs 5302
import { chromium } from 'playwright-core';
import cfg from '../chromium.config.json' with { type: 'json' };

const port = process.argv[2] ?? '5199';
const executablePath = process.env.CHROMIUM_PATH ?? cfg.executablePath;
const browser = await chromium.launch({ executablePath, args: cfg.args });
const page = await browser.newPage();
await page.goto(`http://localhost:${port}/test/browser/harness.html?engine=simd`);
await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready');
const r = await page.evaluate(async () => {
  const { vicinity, fetchWords } = window.harness;
  const words = await fetchWords();
  const name = `coal-${Math.random()}`;
  const index = await vicinity.VectorIndex.open(name, {
    dimensions: 100,
    cache: false,
    efSearch: 64,
  });
  const n = words.base.ids.length;
  for (let i = 0; i < n; i += 2000)
    await index.upsert(
      words.base.ids.slice(i, i + 2000).map((id, j) => ({ id, vector: words.base.vectors[i + j] })),
    );
  const qs = words.queries.vectors.slice(0, 400);
  const lanes = {
    batch: async (b) => {
      await index.searchBatch(b, { k: 10 });
    },
    callers8: async (b) => {
      await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          for (let i = c; i < b.length; i += 8) await index.search(b[i], { k: 10 });
        }),
      );
    },
    single: async (b) => {
      for (const q of b) await index.search(q, { k: 10 });
    },
  };
  const best = { batch: Infinity, callers8: Infinity, single: Infinity };
  for (const l of Object.values(lanes)) await l(qs.slice(0, 50)); // warm
  for (let rep = 0; rep < 3; rep++) {
    const t = { batch: 0, callers8: 0, single: 0 };
    for (let b = 0; b < qs.length; b += 50) {
      const block = qs.slice(b, b + 50);
      const order = Object.keys(lanes).sort(() => Math.random() - 0.5);
      for (const k of order) {
        const s = performance.now();
        await lanes[k](block);
        t[k] += performance.now() - s;
      }
    }
    for (const k of Object.keys(t)) best[k] = Math.min(best[k], t[k]);
  }
  await index.close();
  await vicinity.VectorIndex.delete(name);
  return {
    n,
    best,
    callers8PerBatch: best.batch / best.callers8,
    singlePerBatch: best.batch / best.single,
  };
});
console.log(JSON.stringify(r));
await browser.close();
