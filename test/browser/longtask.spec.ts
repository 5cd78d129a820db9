import type { Page } from '@playwright/test';
import { expect, test, uniqueName } from './fixtures';

/**
 * Upserts 100,000 vectors in batches of 1,000 while the page searches, and
 * returns the long tasks the page saw meanwhile.
 */
function indexWhileSearching(page: Page, name: string) {
  return page.evaluate(async (name) => {
    const { vicinity, fetchWords, longTasks } = window.harness;
    const words = await fetchWords();
    const base = words.base.vectors;
    // 100k vectors from 12k real words: each word plus a little noise, made
    // one batch at a time so that making them is not a long task either.
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 0.2;
    };
    const batch = (from: number) =>
      Array.from({ length: 1000 }, (_, j) => {
        const source = base[(from + j) % base.length]!;
        return { id: `v${from + j}`, vector: source.map((x) => x + noise()) };
      });
    // A small graph (M 8, efConstruction 32) builds in the worker in a fraction
    // of the default's time; the page's share of each upsert (checks,
    // packing, the transfer, the answer) is the same whatever the graph costs.
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 100,
      M: 8,
      efConstruction: 32,
    });
    const started = performance.now();
    const tasksBefore = longTasks.length;
    let searches = 0;
    for (let from = 0; from < 100_000; from += 1000) {
      await index.upsert(batch(from));
      // The page keeps searching while it indexes.
      if (from % 10_000 === 0)
        searches += (await index.search(base[from % base.length]!, { k: 5 })).length;
    }
    // Let a last long task, if any, reach the observer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tasks = longTasks.slice(tasksBefore).filter((t) => t.start >= started);
    const size = index.size;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { size, tasks, seconds: (performance.now() - started) / 1000, searches };
  }, name);
}

test('no main-thread task over 50 ms while 100,000 vectors are upserted in batches of 1,000', async ({
  harness,
}) => {
  test.setTimeout(900_000);
  // A task the machine's load stretches (the page descheduled in the middle
  // of a short one) comes and goes; one of vicinity's own work comes in
  // every run. So a run that saw one is repeated once: the test fails when
  // both runs saw a long task.
  const runs = [];
  for (let run = 1; run <= 2; run++) {
    const r = await indexWhileSearching(harness, uniqueName('longtask'));
    const long = r.tasks.filter((t) => t.duration > 50);
    console.log(
      `run ${run}: indexed 100k in ${r.seconds.toFixed(1)} s; long tasks: ${JSON.stringify(long)}`,
    );
    expect(r.size).toBe(100_000);
    expect(r.searches).toBe(50);
    runs.push(long);
    if (long.length === 0) break;
  }
  expect(runs.at(-1)).toEqual([]);
});

test('the long-task observer sees a task that blocks the main thread', async ({ harness }) => {
  const seen = await harness.evaluate(async () => {
    const { longTasks } = window.harness;
    const before = longTasks.length;
    // A task of the page's own event loop, as the library's message handlers
    // are (a busy loop inside page.evaluate itself is not reported).
    setTimeout(() => {
      const start = performance.now();
      while (performance.now() - start < 120) {
        // Block the main thread on purpose.
      }
    }, 0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    return longTasks.slice(before).map((t) => t.duration);
  });
  expect(Math.max(0, ...seen)).toBeGreaterThan(100);
});
