import { expect, recordWorkers, test, uniqueName } from './fixtures';

/*
 * The shared lane (src/core/sharedLane.ts): on a cross-origin isolated page,
 * one search at a time goes through shared memory instead of a message.
 * These run in the `coi` project, whose pages are isolated; each first
 * checks that it is, so that a page that is not fails instead of passing
 * through the message path.
 */

test('on an isolated page, an awaited search posts no message and answers as a message does, bit for bit', async ({
  harness,
}) => {
  const name = uniqueName('lane');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const items = words.base.ids.slice(0, 3000).map((id, i) => ({
      // Ids beyond ASCII, and metadata of every JSON kind on some items.
      id: i % 7 === 0 ? `${id}·é·𝔁·${i}` : id,
      vector: words.base.vectors[i]!,
      ...(i % 3 === 0
        ? {
            metadata: {
              word: id,
              n: i,
              neg: -(i + 1) / 3,
              ok: i % 2 === 0,
              none: null,
              list: [i, 'x', { deep: [true] }],
            },
          }
        : {}),
    }));
    let posted = 0;
    const original = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
      posted++;
      Reflect.apply(original, this, args);
    } as Worker['postMessage'];
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100, cache: false });
    try {
      await index.upsert(items);
      const queries = words.queries.vectors.slice(0, 40);
      const from = posted;
      const oneByOne = [];
      for (const q of queries) oneByOne.push(await index.search(q, { k: 10 }));
      for (const q of queries.slice(0, 5))
        oneByOne.push(await index.search(q, { k: 3, efSearch: 200 }));
      const messagesOneByOne = posted - from;
      // 200 queries (80 kB) do not fit the lane: they go as one message.
      const many = Array.from({ length: 5 }, () => queries).flat();
      const before = posted;
      const batch = await index.searchBatch(many, { k: 10 });
      const messagesBatch = posted - before;
      const wide = await index.searchBatch(queries.slice(0, 5), { k: 3, efSearch: 200 });
      return {
        isolated: crossOriginIsolated,
        messagesOneByOne,
        messagesBatch,
        oneByOne: JSON.stringify(oneByOne),
        messages: JSON.stringify([...batch.slice(0, 40), ...wide]),
        hadMetadata: oneByOne.flat().filter((h) => h.metadata !== undefined).length,
        hadUnicode: oneByOne.flat().filter((h) => h.id.includes('𝔁')).length,
      };
    } finally {
      Worker.prototype.postMessage = original;
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.isolated).toBe(true);
  expect(r.messagesOneByOne).toBe(0);
  expect(r.messagesBatch).toBe(1);
  expect(r.oneByOne).toBe(r.messages);
  expect(r.hadMetadata).toBeGreaterThan(0);
  expect(r.hadUnicode).toBeGreaterThan(0);
});

test('what the lane cannot carry goes as a message, unchanged: a filter, an answer too big', async ({
  harness,
}) => {
  const name = uniqueName('lane-fallback');
  await recordWorkers(harness);
  const r = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 2,
      metric: 'l2',
      cache: false,
    });
    const worker = (window as unknown as { startedWorkers: Worker[] }).startedWorkers.at(-1)!;
    // Messages each way while `run` runs: searches posted, answers received.
    let posted = 0;
    let answers = 0;
    const post = worker.postMessage.bind(worker);
    worker.postMessage = ((...args: Parameters<Worker['postMessage']>) => {
      posted++;
      post(...(args as [unknown, Transferable[]]));
    }) as Worker['postMessage'];
    worker.addEventListener('message', (event: MessageEvent<{ vicinity?: string }>) => {
      if (event.data?.vicinity === 'hits') answers++;
    });
    const messages = async <T>(run: () => Promise<T>) => {
      const [from, back] = [posted, answers];
      const value = await run();
      // The library's listener resolves before this one counts the answer.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return { value, posted: posted - from, answers: answers - back };
    };
    try {
      const long = 'L'.repeat(500);
      await index.upsert([
        { id: 'zero', vector: [1, 0], metadata: { z: 0.5, tag: 'a' } },
        { id: long, vector: [0.9, 0.1], metadata: { tag: 'b' } },
        ...Array.from({ length: 400 }, (_, i) => ({
          id: `${'x'.repeat(300)}${i}`,
          vector: [3 * Math.cos(i), 3 * Math.sin(i)],
        })),
      ]);
      const zero = await messages(() => index.search([1, 0], { k: 1 }));
      const filtered = await messages(() => index.search([1, 0], { k: 2, filter: { tag: 'b' } }));
      // 400 hits with 300-character ids: about 240 kB of ids, over the lane's area.
      const big = await messages(() => index.search([1, 0], { k: 402, efSearch: 500 }));
      // The worker frees the lane before it posts an answer that went as a
      // message, but the page hears of the two by different tasks: one more
      // task, and the lane is free again on the page as well.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const again = await messages(() => index.search([1, 0], { k: 2 }));
      const ways = (m: { posted: number; answers: number }) => [m.posted, m.answers];
      return {
        isolated: crossOriginIsolated,
        zero: zero.value[0]!.metadata,
        filtered: filtered.value.map((h) => h.id.slice(0, 3)),
        big: big.value.length,
        bigLong: big.value.some((h) => h.id === long),
        again: again.value.map((h) => h.id.slice(0, 4)),
        ways: [zero, filtered, big, again].map(ways),
      };
    } finally {
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.isolated).toBe(true);
  expect(r.zero).toEqual({ z: 0.5, tag: 'a' });
  expect(r.filtered).toEqual(['LLL']);
  expect(r.big).toBe(402);
  expect(r.bigLong).toBe(true);
  expect(r.again).toEqual(['zero', 'LLLL']);
  // Messages out and back: the lane both ways, a message both ways, the lane out and a message back.
  expect(r.ways).toEqual([
    [0, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ]);
});

test('through the lane, a search keeps its place among writes sent before and after it, and fails typed', async ({
  harness,
}) => {
  const name = uniqueName('lane-order');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, outcome } = window.harness;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 2,
      metric: 'l2',
      cache: false,
    });
    try {
      await index.upsert([{ id: 'far', vector: [-1, 0] }]);
      const rounds = [];
      for (let round = 0; round < 30; round++) {
        const id = `near-${round}`;
        // A search sent before a write does not see it; one sent after it does,
        // though neither waits for the write to be answered.
        const before = index.search([1, 0], { k: 1 });
        const written = index.upsert([{ id, vector: [1, 0] }]);
        const after = index.search([1, 0], { k: 1 });
        const removed = index.remove([id]);
        const gone = index.search([1, 0], { k: 1 });
        await Promise.all([written, removed]);
        rounds.push([(await before)[0]!.id, (await after)[0]!.id, (await gone)[0]!.id]);
      }
      const badK = await outcome(index.search([1, 0], { k: 2.5 }));
      const badEf = await outcome(index.search([1, 0], { k: 1, efSearch: -3 }));
      const fine = await index.search([1, 0], { k: 1 });
      return { isolated: crossOriginIsolated, rounds, badK, badEf, fine: fine[0]!.id };
    } finally {
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.isolated).toBe(true);
  r.rounds.forEach((round, i) => expect(round).toEqual(['far', `near-${i}`, 'far']));
  expect(r.badK).toMatchObject({ ok: false, code: 'INVALID_K' });
  expect(r.badEf).toMatchObject({ ok: false, code: 'INVALID_EF' });
  expect(r.fine).toBe('far');
});

test('replicas answer through lanes of their own, as the primary does', async ({ harness }) => {
  const name = uniqueName('lane-replicas');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const items = words.base.ids
      .slice(0, 2000)
      .map((id, i) => ({ id, vector: words.base.vectors[i]! }));
    const single = await vicinity.VectorIndex.open(name, { dimensions: 100, cache: false });
    await single.upsert(items);
    await single.save();
    const queries = words.queries.vectors.slice(0, 30);
    const expected = [];
    for (const q of queries) expected.push(await single.search(q, { k: 5 }));
    await single.close();
    const pooled = await vicinity.VectorIndex.open(name, {
      dimensions: 100,
      cache: false,
      workers: 3,
    });
    try {
      await pooled.replicasReady();
      const rounds = [];
      for (let round = 0; round < 4; round++)
        rounds.push(await Promise.all(queries.map((q) => pooled.search(q, { k: 5 }))));
      return {
        isolated: crossOriginIsolated,
        expected: JSON.stringify(expected),
        rounds: rounds.map((answers) => JSON.stringify(answers)),
        served: (await pooled.stats()).workers.served,
      };
    } finally {
      await pooled.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.isolated).toBe(true);
  for (const round of r.rounds) expect(round).toBe(r.expected);
  expect(r.served.slice(1).some((n) => n > 0)).toBe(true);
});

test('awaited searches answered by spinning still give the page its event loop back: no long task, timers run', async ({
  harness,
}) => {
  const name = uniqueName('lane-smooth');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, longTasks } = window.harness;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 2,
      metric: 'l2',
      cache: false,
    });
    try {
      await index.upsert(
        Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, vector: [i, i % 7] })),
      );
      // A timer that re-arms itself runs only between tasks.
      let ticks = 0;
      let ticking = true;
      const tick = () => {
        ticks++;
        if (ticking) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      const started = performance.now();
      const before = longTasks.length;
      for (let i = 0; i < 3000; i++) await index.search([i % 200, 3], { k: 3 });
      const ms = performance.now() - started;
      ticking = false;
      await new Promise((resolve) => setTimeout(resolve, 200));
      const tasks = longTasks.slice(before).filter((t) => t.start >= started);
      return { isolated: crossOriginIsolated, ticks, ms, tasks };
    } finally {
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.isolated).toBe(true);
  expect(r.tasks.filter((t) => t.duration > 50)).toEqual([]);
  // One timer at least every 50 ms of the loop.
  expect(r.ticks).toBeGreaterThanOrEqual(Math.floor(r.ms / 50));
});
