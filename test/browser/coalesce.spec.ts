import { expect, recordWorkers, test, uniqueName } from './fixtures';

test('searches made in one task travel in one message, answer as one by one, and go before a later write', async ({
  harness,
}) => {
  const name = uniqueName('coalesce');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const items = words.base.ids.slice(0, 2000).map((id, i) => ({
      id,
      vector: words.base.vectors[i]!,
      metadata: { even: i % 2 === 0 },
    }));
    // Counts the messages the page posts to workers.
    let posted = 0;
    const original = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
      posted++;
      Reflect.apply(original, this, args);
    } as Worker['postMessage'];
    const answers = (hits: { id: string; distance: number }[][]) =>
      hits.map((h) => h.map((x) => `${x.id}:${x.distance.toFixed(5)}`).join());
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100, cache: false });
    try {
      await index.upsert(items);
      const queries = words.queries.vectors.slice(0, 16);
      const oneByOne = [];
      for (const q of queries) oneByOne.push(await index.search(q, { k: 10 }));

      let from = posted;
      const together = await Promise.all(queries.map((q) => index.search(q, { k: 10 })));
      const messagesTogether = posted - from;

      // Alike searches go together; another k is another batch; a filtered one goes alone.
      from = posted;
      const mixed = await Promise.all([
        ...queries.slice(0, 4).map((q) => index.search(q, { k: 10 })),
        index.search(queries[0]!, { k: 10, filter: { even: true } }),
        ...queries.slice(0, 4).map((q) => index.search(q, { k: 5 })),
      ]);
      const messagesMixed = posted - from;
      const filteredAlone = await index.search(queries[0]!, { k: 10, filter: { even: true } });

      // Searches made before a write in the same task are sent before it.
      const probe = words.queries.vectors[20]!;
      const [before] = await Promise.all([
        index.search(probe, { k: 1 }),
        index.upsert([{ id: 'written-after', vector: probe }]),
      ]);
      const after = await index.search(probe, { k: 1 });
      return {
        messagesTogether,
        together: answers(together),
        oneByOne: answers(oneByOne),
        messagesMixed,
        mixedK10: answers(mixed.slice(0, 4)),
        mixedFiltered: answers([mixed[4]!]),
        filteredAlone: answers([filteredAlone]),
        mixedK5: answers(mixed.slice(5)),
        k5OneByOne: oneByOne.slice(0, 4).map((h) =>
          h
            .slice(0, 5)
            .map((x) => `${x.id}:${x.distance.toFixed(5)}`)
            .join(),
        ),
        before: before[0]!.id,
        after: after[0]!.id,
      };
    } finally {
      Worker.prototype.postMessage = original;
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  expect(r.messagesTogether).toBe(1);
  expect(r.together).toEqual(r.oneByOne);
  expect(r.messagesMixed).toBe(3);
  expect(r.mixedK10).toEqual(r.oneByOne.slice(0, 4));
  expect(r.mixedFiltered).toEqual(r.filteredAlone);
  expect(r.mixedK5).toEqual(r.k5OneByOne);
  expect(r.before).not.toBe('written-after');
  expect(r.after).toBe('written-after');
});

test('a search made in the task in which the worker dies was never sent: the replacement answers it', async ({
  harness,
}) => {
  const name = uniqueName('coalesce-crash');
  await recordWorkers(harness);
  const r = await harness.evaluate(async (name) => {
    const { vicinity, outcome } = window.harness;
    const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
    const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    await index.upsert([{ id: 'a', vector: [1, 0] }]);
    await index.save();
    const before = workers.length;
    // Sent and in the worker when it dies: lost with it.
    const sent = outcome(index.search([1, 0], { k: 1 }));
    await Promise.resolve();
    // Made in the same task as the failure, after it: it waits for the replacement.
    const waiting = outcome(index.search([1, 0], { k: 1, efSearch: 32 }));
    workers.at(-1)!.dispatchEvent(new ErrorEvent('error', { message: 'gone' }));
    const answers = { sent: await sent, waiting: await waiting };
    const started = workers.length - before;
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { ...answers, started };
  }, name);
  expect(r.sent).toMatchObject({ ok: false, code: 'WORKER_CRASHED' });
  expect(r.waiting).toMatchObject({ ok: true });
  expect((r.waiting as { value: { id: string }[] }).value[0]!.id).toBe('a');
  expect(r.started).toBe(1);
});

test('a search crosses as one message of its own each way: queries in a Float32Array, hits as columns; the worker checks it and fails it typed', async ({
  harness,
}) => {
  const name = uniqueName('search-wire');
  await recordWorkers(harness);
  const r = await harness.evaluate(async (name) => {
    const { vicinity, outcome } = window.harness;
    const workers = (window as unknown as { startedWorkers: Worker[] }).startedWorkers;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 2,
      metric: 'l2',
      cache: false,
    });
    try {
      await index.upsert([
        { id: 'a', vector: [1, 0], metadata: { tag: 'x', n: [1, 2] } },
        { id: 'b', vector: [0, 1] },
      ]);
      const worker = workers.at(-1)!;
      const out: unknown[] = [];
      const back: unknown[] = [];
      const post = worker.postMessage.bind(worker);
      let tamper = false;
      worker.postMessage = ((message: { vicinity?: string; k?: number }, transfer: never) => {
        // The queries' buffer is transferred away: what is kept is a copy.
        const queries = (message as { queries?: unknown }).queries;
        out.push(
          queries instanceof Float32Array ? { ...message, queries: queries.slice() } : message,
        );
        // The worker checks what it is sent, whoever sent it.
        post(tamper && message.vicinity === 'search' ? { ...message, k: 0.5 } : message, transfer);
      }) as typeof worker.postMessage;
      worker.addEventListener('message', (event: MessageEvent) => back.push(event.data));
      const first = await index.search([1, 0.1], { k: 2 });
      // Each answer is the caller's own: changing it changes no later one.
      (first[0]!.metadata as { tag: string }).tag = 'changed';
      const second = await index.search([1, 0.1], { k: 2 });
      tamper = true;
      const tampered = await outcome(index.search([1, 0.1], { k: 2 }));
      tamper = false;
      const onPage = await outcome(index.search([1, 0.1], { k: 0.5 }));
      const sent = out[0] as Record<string, unknown>;
      // The second search's answer: listeners added here run after the index's own
      // (and its promises), so the first one's metadata had been changed already.
      const hits = back.filter(
        (m) => (m as { vicinity?: string }).vicinity === 'hits' && !('error' in (m as object)),
      )[1] as Record<string, unknown>;
      return {
        messages: out.length,
        sent: {
          vicinity: sent.vicinity,
          queries:
            sent.queries instanceof Float32Array ? [...(sent.queries as Float32Array)] : null,
          k: sent.k,
        },
        hits: {
          ids: hits.ids,
          distances: hits.distances instanceof Float64Array,
          scores: hits.scores instanceof Float64Array,
          counts: hits.counts instanceof Uint32Array ? [...(hits.counts as Uint32Array)] : null,
          metadataAt:
            hits.metadataAt instanceof Uint32Array ? [...(hits.metadataAt as Uint32Array)] : null,
          metadata: hits.metadata,
        },
        second: second.map((h) => ({ id: h.id, metadata: h.metadata })),
        tampered,
        onPage,
        still: (await index.search([0, 1], { k: 1 }))[0]!.id,
      };
    } finally {
      await index.close();
      await vicinity.VectorIndex.delete(name);
    }
  }, name);
  // One each for the first, second and tampered searches; the page refuses k 0.5 itself.
  expect(r.messages).toBe(3);
  expect(r.sent).toEqual({ vicinity: 'search', queries: [1, Math.fround(0.1)], k: 2 });
  expect(r.hits).toEqual({
    ids: ['a', 'b'],
    distances: true,
    scores: true,
    counts: [2],
    metadataAt: [0],
    metadata: [{ tag: 'x', n: [1, 2] }],
  });
  expect(r.second).toEqual([{ id: 'a', metadata: { tag: 'x', n: [1, 2] } }, { id: 'b' }]);
  expect(r.onPage).toMatchObject({ ok: false, typed: true });
  expect(r.tampered).toMatchObject({
    ok: false,
    typed: true,
    code: (r.onPage as { code: string }).code,
  });
  expect(r.still).toBe('b');
});
