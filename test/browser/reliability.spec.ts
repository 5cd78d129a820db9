import { expect, recordWorkers, test, uniqueName } from './fixtures';

/*
 * Supervision, deadlines, retention and close: each test here failed on the
 * code before the fixes it covers (docs/RELIABILITY.md names them). The page
 * records every worker the library starts, so that a test can crash one (an
 * ErrorEvent is what a crashing worker fires) or tamper with its messages.
 */
test.beforeEach(async ({ harness }) => recordWorkers(harness));

test('a worker that dies while no stored generation reopens: a few bounded attempts, then every call fails with the cause', async ({
  harness,
}) => {
  const name = uniqueName('no-respawn');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, tamperSnapshot, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      await index.upsert([{ id: 'a', vector: [1, 0] }]);
      await index.save();
      await index.upsert([{ id: 'b', vector: [0, 1] }]);
      await index.save();
      // Both stored generations damaged behind the library's back.
      await tamperSnapshot(name, (bytes) => bytes.slice(0, 8), 'all');
      const before = workers.length;
      const first = outcome(index.search([1, 0], { k: 1 }));
      // A search is sent at the end of its task (searches made together travel together).
      await Promise.resolve();
      workers.at(-1)!.dispatchEvent(new ErrorEvent('error', { message: 'renderer lost it' }));
      // Later calls wait for the respawn, which gives up with the typed cause.
      const later = await outcome(index.search([1, 0], { k: 1 }));
      const write = await outcome(index.upsert([{ id: 'c', vector: [1, 1] }]));
      const stats = await outcome(index.stats());
      // No worker is started in the background any more.
      const started = workers.length - before;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const startedLater = workers.length - before;
      const closed = await outcome(index.close());
      const afterClose = await outcome(index.search([1, 0], { k: 1 }));
      await vicinity.VectorIndex.delete(name);
      return { first: await first, later, write, stats, started, startedLater, closed, afterClose };
    },
    { name },
  );
  expect(r.first).toMatchObject({ ok: false, code: 'WORKER_CRASHED', typed: true });
  for (const call of [r.later, r.write, r.stats])
    expect(call).toMatchObject({ ok: false, code: 'INDEX_CORRUPTED', typed: true });
  expect(r.started).toBeGreaterThanOrEqual(1);
  expect(r.started).toBeLessThanOrEqual(5);
  expect(r.startedLater).toBe(r.started);
  expect(r.closed).toMatchObject({ ok: true });
  expect(r.afterClose).toMatchObject({ ok: false, code: 'CLOSED' });
});

test('a replacement that fails for a passing cause is tried again after a growing wait: two failures, then the index recovers; five, then every call fails with the cause', async ({
  harness,
}) => {
  const r = await harness.evaluate(
    async (names) => {
      const { vicinity, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      // The next `crashes` workers started fail as they start, as a worker
      // whose script the browser could not run does.
      let crashes = 0;
      const Recording = window.Worker;
      window.Worker = class extends Recording {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          if (crashes > 0) {
            crashes--;
            setTimeout(() => this.dispatchEvent(new ErrorEvent('error', { message: 'no script' })));
          }
        }
      };
      const round = async (name: string, failures: number) => {
        const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
        await index.upsert([{ id: 'a', vector: [1, 0] }]);
        await index.save();
        const before = workers.length;
        crashes = failures;
        workers.at(-1)!.dispatchEvent(new ErrorEvent('error', { message: 'renderer lost it' }));
        const later = await outcome(index.search([1, 0], { k: 1 }), 60_000);
        const started = workers.length - before;
        crashes = 0;
        const closed = await outcome(index.close());
        await vicinity.VectorIndex.delete(name);
        return { later, started, closed };
      };
      const recovers = await round(names[0]!, 2);
      const gives = await round(names[1]!, 10);
      window.Worker = Recording;
      return { recovers, gives };
    },
    [uniqueName('respawn-passing'), uniqueName('respawn-gives-up')],
  );
  // Two replacements failed, the third opened the saved generation.
  expect(r.recovers.started).toBe(3);
  expect(r.recovers.later).toMatchObject({ ok: true });
  expect((r.recovers.later as { value: { id: string }[] }).value[0]).toMatchObject({ id: 'a' });
  // Five attempts, then the cause: no more workers, a typed error that says so.
  expect(r.gives.started).toBe(5);
  expect(r.gives.later).toMatchObject({ ok: false, code: 'WORKER_CRASHED', typed: true });
  expect((r.gives.later as { message: string }).message).toMatch(/5 attempts/);
  expect(r.gives.closed).toMatchObject({ ok: true });
});

test('a call queued behind a long write is not timed out: the deadline counts from when the worker starts it', async ({
  harness,
}) => {
  test.setTimeout(240_000);
  const name = uniqueName('busy-not-hung');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, fetchWords, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const words = await fetchWords();
      const items = words.base.ids
        .slice(0, 11_000)
        .map((id, i) => ({ id, vector: words.base.vectors[i]! }));
      // A base deadline far shorter than the 10,000-vector upsert takes.
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100, timeoutMs: 1_000 });
      await index.upsert(items.slice(0, 1_000)); // 1,000 unsaved changes
      const started = performance.now();
      const upsert = outcome(index.upsert(items.slice(1_000)), 200_000);
      const search = outcome(index.search(words.queries.vectors[0]!, { k: 5 }), 200_000);
      const stats = outcome(index.stats(), 200_000);
      const results = await Promise.all([upsert, search, stats]);
      const tookMs = performance.now() - started;
      const after = await index.stats();
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { results, tookMs, after, workers: workers.length };
    },
    { name },
  );
  // Only meaningful if the upsert outlasted the base deadline, as it does on any machine here.
  expect(r.tookMs).toBeGreaterThan(1_000);
  for (const result of r.results) expect(result).toMatchObject({ ok: true });
  expect(r.after).toMatchObject({ size: 11_000, unsavedChanges: 11_000 });
  expect(r.workers).toBe(1);
});

test('a save that waits for another tab to release the index lock is not timed out: waiting is not work, and nothing unsaved is lost', async ({
  harness,
}) => {
  const name = uniqueName('lock-wait');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const index = await vicinity.VectorIndex.open(name, {
        dimensions: 2,
        metric: 'l2',
        timeoutMs: 1_000,
      });
      await index.upsert(Array.from({ length: 100 }, (_, i) => ({ id: `v${i}`, vector: [i, 1] })));
      // Another holder of the index's lock (a tab saving, say) that keeps it
      // for three deadlines; the page stands in for it.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        navigator.locks.request(`vicinity:${name}`, () => {
          resolve();
          return new Promise<void>((done) => (release = done));
        });
      });
      await held;
      const save = outcome(index.save(), 60_000);
      const search = outcome(index.search([3, 1], { k: 1 }), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // The save is still waiting, not failed.
      const pending = await Promise.race([save.then(() => 'settled'), Promise.resolve('pending')]);
      release();
      const results = { save: await save, search: await search };
      const after = await index.stats();
      const started = workers.length;
      await index.close();
      const reopened = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      const size = reopened.size;
      await reopened.close();
      await vicinity.VectorIndex.delete(name);
      return { pending, results, after, size, workers: started };
    },
    { name },
  );
  expect(r.pending).toBe('pending');
  expect(r.results.save).toMatchObject({ ok: true });
  expect(r.results.search).toMatchObject({ ok: true });
  expect(r.after).toMatchObject({ size: 100, unsavedChanges: 0 });
  expect(r.size).toBe(100);
  expect(r.workers).toBe(1);
});

test('after one fallback, the next save keeps the intact generation, not the damaged one', async ({
  harness,
}) => {
  const name = uniqueName('retention');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, tamperSnapshot } = window.harness;
      const open = () => vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      let index = await open();
      await index.upsert([{ id: 'g1', vector: [1, 0] }]);
      await index.save(); // generation 1
      await index.upsert([{ id: 'g2', vector: [0, 1] }]);
      await index.save(); // generation 2
      await index.close();
      await tamperSnapshot(name, (bytes) => bytes.slice(0, bytes.length - 3));
      index = await open();
      const recovered = (await index.stats()).recoveredFrom;
      const sizeAfterFallback = index.size;
      await index.upsert([{ id: 'g3', vector: [1, 1] }]);
      const third = await index.save();
      await index.close();
      // The newest is damaged again: generation 1 must still be there to open.
      await tamperSnapshot(name, (bytes) => bytes.slice(0, bytes.length - 3));
      const reopened = await open().then(
        async (again) => {
          const result = { size: again.size, stats: await again.stats() };
          await again.close();
          return result;
        },
        (error: { code?: string }) => ({ error: error.code }),
      );
      await vicinity.VectorIndex.delete(name);
      return { recovered, sizeAfterFallback, third, reopened };
    },
    { name },
  );
  expect(r.recovered?.generation).toBe(2);
  expect(r.sizeAfterFallback).toBe(1);
  expect(r.third.generation).toBe(3);
  expect(r.reopened).toMatchObject({
    size: 1,
    stats: { generation: 1, recoveredFrom: { generation: 3 } },
  });
});

test('close() waits for an autosave held up by another tab’s lock, and the reopened index has every item', async ({
  harness,
}) => {
  const name = uniqueName('close-autosave');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const index = await vicinity.VectorIndex.open(name, {
        dimensions: 2,
        metric: 'l2',
        autosaveMs: 20,
      });
      await index.upsert([{ id: 'first', vector: [0, 0] }]);
      await index.save();
      // Another tab saving: it holds the index's lock for 6 s.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const locked = new Promise<void>((resolve) => {
        void navigator.locks.request(`vicinity:${name}`, () => {
          resolve();
          return held;
        });
      });
      await locked;
      setTimeout(() => release(), 6_000);
      await index.upsert(Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, vector: [i, 1] })));
      // Let the autosave start and wait on the lock.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closed = await outcome(index.close(), 30_000);
      const again = await vicinity.VectorIndex.open(name);
      const size = again.size;
      await again.close();
      await vicinity.VectorIndex.delete(name);
      return { closed, size };
    },
    { name },
  );
  expect(r.closed).toMatchObject({ ok: true });
  expect(r.size).toBe(501);
});

test('close() with autosave rejects, saying what was lost, when the last save cannot be written', async ({
  harness,
}) => {
  const name = uniqueName('close-autosave-conflict');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const options = { dimensions: 2, metric: 'l2', autosaveMs: 60_000 } as const;
      const mine = await vicinity.VectorIndex.open(name, options);
      await mine.upsert([{ id: 'a', vector: [0, 0] }]);
      await mine.save();
      // Another tab (here another object) saves past this one.
      const theirs = await vicinity.VectorIndex.open(name, { ...options, autosaveMs: undefined });
      await theirs.upsert([{ id: 'theirs', vector: [1, 1] }]);
      await theirs.save();
      await theirs.close();
      await mine.upsert([{ id: 'mine', vector: [2, 2] }]);
      const closed = await outcome(mine.close());
      const afterClose = await outcome(mine.search([0, 0], { k: 1 }));
      await vicinity.VectorIndex.delete(name);
      return { closed, afterClose };
    },
    { name },
  );
  expect(r.closed).toMatchObject({ ok: false, code: 'CONFLICT', typed: true });
  expect((r.closed as { message: string }).message).toMatch(/1 unsaved changes were lost/);
  expect(r.afterClose).toMatchObject({ ok: false, code: 'CLOSED' });
});

test('a save that finishes after close() resolves, and other tabs hear of it', async ({
  harness,
}) => {
  const name = uniqueName('save-then-close');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const heard: number[] = [];
      const otherTab = new BroadcastChannel(`vicinity:${name}`);
      otherTab.onmessage = (event: MessageEvent<{ generation: number }>) =>
        heard.push(event.data.generation);
      const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      await index.upsert(Array.from({ length: 300 }, (_, i) => ({ id: `x${i}`, vector: [i, 2] })));
      const saving = outcome(index.save());
      const closing = outcome(index.close());
      const [saved, closed] = await Promise.all([saving, closing]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      otherTab.close();
      const again = await vicinity.VectorIndex.open(name);
      const size = again.size;
      await again.close();
      await vicinity.VectorIndex.delete(name);
      return { saved, closed, heard, size };
    },
    { name },
  );
  expect(r.saved).toMatchObject({ ok: true });
  expect(r.closed).toMatchObject({ ok: true });
  expect(r.heard).toEqual([(r.saved as { value: { generation: number } }).value.generation]);
  expect(r.size).toBe(300);
});

test('close() during a respawn resolves and detaches the monitor', async ({ harness }) => {
  const name = uniqueName('close-respawn');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      await index.upsert([{ id: 'a', vector: [1, 0] }]);
      const pending = outcome(index.search([1, 0], { k: 1 }));
      await Promise.resolve(); // the search is sent at the end of its task
      workers.at(-1)!.dispatchEvent(new ErrorEvent('error', { message: 'gone' }));
      const closed = await outcome(index.close());
      const failed = await pending;
      // A vicinity operation left in flight on a closed index claims no long task.
      index.monitor.begin();
      const task = vicinity.PageHealth.shared().addLongTask({
        startTime: performance.now() - 5,
        duration: 60,
      });
      await vicinity.VectorIndex.delete(name);
      return { closed, failed, claimed: task.vicinity };
    },
    { name },
  );
  expect(r.closed).toMatchObject({ ok: true });
  expect(r.failed).toMatchObject({ ok: false, code: 'WORKER_CRASHED' });
  expect(r.claimed).toBe(false);
});

test('index.size after a worker failure is the saved size at once, not the lost one', async ({
  harness,
}) => {
  const name = uniqueName('size-after-failure');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
      await index.upsert(Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, vector: [i, 0] })));
      await index.save();
      await index.upsert(Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, vector: [i, 1] })));
      const before = index.size;
      let sizeWhenFailed = -1;
      const pending = index.stats().catch(() => {
        sizeWhenFailed = index.size;
      });
      workers.at(-1)!.dispatchEvent(new ErrorEvent('error', { message: 'gone' }));
      await pending;
      const afterRespawn = (await index.stats()).size;
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { before, sizeWhenFailed, afterRespawn };
    },
    { name },
  );
  expect(r).toEqual({ before: 70, sizeWhenFailed: 50, afterRespawn: 50 });
});

test('a call whose message reaches the worker empty fails alone, typed; the worker and its unsaved changes stay', async ({
  harness,
}) => {
  const name = uniqueName('empty-message');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
      const index = await vicinity.VectorIndex.open(name, {
        dimensions: 2,
        metric: 'l2',
        timeoutMs: 3_000,
      });
      await index.upsert([{ id: 'a', vector: [1, 0] }]); // unsaved
      const worker = workers.at(-1)!;
      // What Chromium does when structured clone runs out of stack in the
      // worker: the message arrives with data === null. Here the page sends
      // null in place of the next search's message.
      const post = worker.postMessage.bind(worker);
      worker.postMessage = ((message: unknown, transfer?: Transferable[]) => {
        // A search travels as vicinity's own message (see src/core/searchWire.ts).
        if ((message as { vicinity?: string } | null)?.vicinity === 'search') {
          worker.postMessage = post;
          post(null);
          return;
        }
        post(message, transfer as Transferable[]);
      }) as typeof worker.postMessage;
      const lost = await outcome(index.search([1, 0], { k: 1 }), 15_000);
      const next = await outcome(index.search([1, 0], { k: 1 }));
      const stats = await index.stats();
      await index.close();
      await vicinity.VectorIndex.delete(name);
      return { lost, next, stats, workers: workers.length };
    },
    { name },
  );
  expect(r.lost).toMatchObject({ ok: false, code: 'ENGINE_ERROR', typed: true });
  expect(r.next).toMatchObject({ ok: true });
  expect(r.stats).toMatchObject({ size: 1, unsavedChanges: 1 });
  expect(r.workers).toBe(1);
});

test('names that are not well-formed Unicode, and databases without vicinity’s stores, give typed errors', async ({
  harness,
}) => {
  const name = uniqueName('bare-db');
  const r = await harness.evaluate(
    async ({ name }) => {
      const { vicinity, outcome } = window.harness;
      const lone = `lone-\uD800-${name}`;
      const openLone = await outcome(vicinity.VectorIndex.open(lone, { dimensions: 2 }));
      const listed = (await vicinity.VectorIndex.list()).some((n) => n.includes('lone-'));
      const deleteLone = await outcome(vicinity.VectorIndex.delete(lone));
      // A database of the index's name, at its version, with no object stores.
      await new Promise<void>((resolve) => {
        const req = indexedDB.open(`vicinity:${name}`, 1);
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
      });
      const openBare = await outcome(vicinity.VectorIndex.open(name, { dimensions: 2 }));
      const deleted = await outcome(vicinity.VectorIndex.delete(name));
      const fresh = await outcome(
        vicinity.VectorIndex.open(name, { dimensions: 2 }).then(async (index) => {
          await index.upsert([{ id: 'a', vector: [1, 0] }]);
          const size = index.size;
          await index.close();
          return size;
        }),
      );
      await vicinity.VectorIndex.delete(name);
      return { openLone, listed, deleteLone, openBare, deleted, fresh };
    },
    { name },
  );
  expect(r.openLone).toMatchObject({ ok: false, code: 'INVALID_OPTIONS', typed: true });
  expect(r.listed).toBe(false);
  expect(r.deleteLone).toMatchObject({ ok: false, code: 'INVALID_OPTIONS', typed: true });
  expect(r.openBare).toMatchObject({ ok: false, code: 'INDEX_CORRUPTED', typed: true });
  expect(r.deleted).toMatchObject({ ok: true });
  expect(r.fresh).toMatchObject({ ok: true, value: 1 });
});
