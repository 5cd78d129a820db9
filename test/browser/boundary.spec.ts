import { expect, test, uniqueName } from './fixtures';

/*
 * What vicinity leaves alone, and what it gives back: Comlink's handlers are
 * shared with every other Comlink user of the page, and an engine's memory
 * must come back when it is disposed (replicas reload often).
 */
test('another Comlink endpoint of the page keeps its own errors while vicinity runs', async ({
  harness,
}) => {
  const name = uniqueName('comlink-neighbour');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, comlink } = window.harness;
    const { expose, wrap, transferHandlers } = await comlink();
    const handlerBefore = transferHandlers.get('throw');
    const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    // vicinity's own codes still cross from its worker.
    const own = await index.search([1, 2, 3] as never).catch((e: unknown) => e);
    const ownInWorker = await index.upsert([{ id: 'a', vector: [1, 0] }]).then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );
    // An unrelated Comlink endpoint on the same page.
    const { port1, port2 } = new MessageChannel();
    expose(
      {
        fail() {
          throw new RangeError('not in range');
        },
      },
      port1,
    );
    const other = wrap<{ fail(): void }>(port2);
    const theirs = await other.fail().catch((e: unknown) => e);
    const result = {
      handlerKept: transferHandlers.get('throw') === handlerBefore,
      ownCode: (own as { code?: string }).code,
      ownInWorker,
      theirsIsVicinity: theirs instanceof vicinity.VicinityError,
      theirsName: (theirs as Error).name,
      theirsMessage: (theirs as Error).message,
      theirsCode: (theirs as { code?: string }).code,
    };
    port1.close();
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return result;
  }, name);
  expect(r).toEqual({
    handlerKept: true,
    ownCode: 'DIMENSION_MISMATCH',
    ownInWorker: 'ok',
    theirsIsVicinity: false,
    theirsName: 'RangeError',
    theirsMessage: 'not in range',
    theirsCode: undefined,
  });
});

test('a worker-side failure keeps its code on the way to the page', async ({ harness }) => {
  const name = uniqueName('worker-code');
  const code = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    const index = await vicinity.VectorIndex.open(name, { dimensions: 2, metric: 'l2' });
    await index.upsert([{ id: 'a', vector: [1, 0] }]);
    await index.save();
    await index.close();
    // Another open with other parameters: only the worker, reading storage, can tell.
    const clash = await vicinity.VectorIndex.open(name, { M: 32 }).catch(
      (e: { code?: string; constructor: unknown }) =>
        e instanceof vicinity.VicinityError ? e.code : `raw ${String(e)}`,
    );
    await vicinity.VectorIndex.delete(name);
    return clash;
  }, name);
  expect(code).toBe('INCOMPATIBLE_OPTIONS');
});

test('an engine disposed and loaded again, many times, leaves the WASM heap flat', async ({
  harness,
  engine,
}) => {
  const r = await harness.evaluate(async (kind) => {
    const { engines } = window.harness;
    const { createEngine, loadEngine } = await engines();
    const params = {
      dimensions: 32,
      metric: 'l2',
      M: 16,
      efConstruction: 50,
      quantization: 'none',
    } as const;
    const context = {
      params,
      capacity: 4_000,
      indexName: `leak-${Date.now()}`,
    };
    const first = await createEngine(kind, context);
    const vector = new Float32Array(32);
    for (let label = 0; label < 4_000; label++) {
      for (let i = 0; i < 32; i++) vector[i] = Math.sin(label * 31 + i);
      first.add(vector, label, false);
    }
    const bytes = await first.serialize();
    await first.dispose();
    const heap: number[] = [];
    for (let round = 0; round < 12; round++) {
      const copy = await loadEngine(kind, context, bytes);
      heap.push(copy.memoryBytes());
      await copy.dispose();
    }
    return { heap, indexBytes: bytes.byteLength };
  }, engine);
  // Twelve leaked copies would add over 12 × the index to the heap.
  const growth = r.heap.at(-1)! - r.heap[1]!;
  expect(growth, `heap after each load: ${r.heap.join(', ')}`).toBeLessThan(2 * r.indexBytes);
});
