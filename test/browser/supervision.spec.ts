import { expect, recordWorkers, test, uniqueName } from './fixtures';

/*
 * The page records every worker the library starts, so that a test can kill
 * one: terminate() gives no event at all (only the deadline can notice), an
 * ErrorEvent is what a crashing worker fires.
 */
test.beforeEach(async ({ harness }) => recordWorkers(harness));

test('a worker that stops answering: pending calls fail with TIMEOUT, then the last saved generation reopens', async ({
  harness,
}) => {
  const name = uniqueName('hang');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
    const words = await fetchWords();
    const items = words.base.ids
      .slice(0, 600)
      .map((id, i) => ({ id, vector: words.base.vectors[i]! }));
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100, timeoutMs: 1_500 });
    await index.upsert(items.slice(0, 500));
    await index.save();
    const before = JSON.stringify(await index.search(words.queries.vectors[0]!, { k: 5 }));
    await index.upsert(items.slice(500)); // 100 unsaved changes
    workers.at(-1)!.terminate();
    // terminate() stops the thread soon, not at once: a worker still awake on
    // the shared lane (on an isolated page) could answer a search made in the
    // same task. Once it has stopped, nothing answers.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const failure = await index.search(words.queries.vectors[0]!, { k: 5 }).then(
      () => 'answered',
      (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
    );
    const failedAfterMs = performance.now() - started;
    // The next call waits for the new worker and sees the saved generation.
    const after = JSON.stringify(await index.search(words.queries.vectors[0]!, { k: 5 }));
    const size = index.size;
    const stats = await index.stats();
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { failure, failedAfterMs, before, after, size, stats, workers: workers.length };
  }, name);
  expect(r.failure).toMatch(/^TIMEOUT: .*100 unsaved changes were lost/);
  expect(r.failedAfterMs).toBeLessThan(10_000);
  expect(r.after).toBe(r.before);
  expect(r.size).toBe(500);
  expect(r.stats).toMatchObject({ size: 500, unsavedChanges: 0 });
  expect(r.workers).toBe(2);
});

test('a worker that crashes: every pending call fails at once with WORKER_CRASHED', async ({
  harness,
}) => {
  const name = uniqueName('crash');
  const r = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
    const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    await index.upsert([{ id: 'a', vector: [1, 0] }]);
    const worker = workers.at(-1)!;
    // Three calls in flight when the worker dies.
    const pending = [
      index.upsert(Array.from({ length: 5000 }, (_, i) => ({ id: `b${i}`, vector: [i, 1] }))),
      index.search([1, 0], { k: 1 }),
      index.stats(),
    ].map((p) =>
      p.then(
        () => 'answered',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      ),
    );
    // Let all three reach the worker (search first embeds and packs its query).
    await new Promise((resolve) => setTimeout(resolve, 0));
    worker.terminate();
    worker.dispatchEvent(new ErrorEvent('error', { message: 'out of memory' }));
    const outcomes = await Promise.all(pending);
    // Nothing was saved: the index comes back empty, with its parameters.
    const stats = await index.stats();
    await index.upsert([{ id: 'c', vector: [0, 3] }]);
    const hit = (await index.search([0, 3], { k: 1 }))[0]!.id;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { outcomes, stats, hit };
  }, name);
  for (const outcome of r.outcomes)
    expect(outcome).toMatch(/^WORKER_CRASHED: .*out of memory.*nothing was saved yet/);
  expect(r.stats).toMatchObject({ size: 0, dimensions: 2, metric: 'l2' });
  expect(r.hit).toBe('c');
});

test('a worker killed in the middle of a save leaves the old or the new generation, intact', async ({
  harness,
}) => {
  const name = uniqueName('kill-save');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
    const words = await fetchWords();
    const query = words.queries.vectors[1]!;
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100, timeoutMs: 1_500 });
    const outcomes: string[] = [];
    const answers: string[] = [];
    let saved = 0;
    const trace: string[] = [];
    for (let round = 0; round < 6; round++) {
      const from = round * 500;
      await index.upsert(
        words.base.ids
          .slice(from, from + 500)
          .map((id, i) => ({ id, vector: words.base.vectors[from + i]! })),
      );
      answers.push(JSON.stringify((await index.search(query, { k: 5 })).map((h) => h.id)));
      const saving = index.save().then(
        () => 'saved',
        (e: { code?: string }) => String(e.code),
      );
      // Kill it at a different point of the save each round.
      await new Promise((resolve) => setTimeout(resolve, round * 3));
      workers.at(-1)!.terminate();
      const outcome = await saving;
      outcomes.push(outcome);
      // Whatever happened, the index now holds a saved generation: the new one
      // (always, if the save resolved), or the one stored before this round.
      const now = JSON.stringify((await index.search(query, { k: 5 })).map((h) => h.id));
      const size = index.size;
      const ok =
        size === (round + 1) * 500
          ? now === answers[round]
          : outcome !== 'saved' && size === saved * 500;
      trace.push(`${round}:${outcome}:${size}`);
      if (!ok)
        return { error: `round ${round}: size ${size} after ${outcome} (${trace.join(' ')})` };
      saved = size / 500;
      // Put the lost rounds back so that each round starts from all of them.
      if (size < (round + 1) * 500) {
        await index.upsert(
          words.base.ids
            .slice(size, (round + 1) * 500)
            .map((id, i) => ({ id, vector: words.base.vectors[size + i]! })),
        );
      }
    }
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { outcomes };
  }, name);
  expect(r.error).toBeUndefined();
  for (const outcome of r.outcomes!) expect(['saved', 'TIMEOUT']).toContain(outcome);
});
