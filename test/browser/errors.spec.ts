import { expect, test, uniqueName } from './fixtures';

test('every bad input gets its own VicinityError code and changes nothing', async ({ harness }) => {
  const name = uniqueName('errors');
  const r = await harness.evaluate(async (name) => {
    const { vicinity } = window.harness;
    const { VectorIndex, VicinityError } = vicinity;
    const index = await VectorIndex.open(name, { dimensions: 3 });
    await index.upsert([
      { id: 'a', vector: [1, 0, 0], metadata: { g: 'x' } },
      { id: 'b', vector: [0, 1, 0] },
    ]);
    const snapshot = async () => ({
      size: index.size,
      generation: (await index.stats()).generation,
      hits: JSON.stringify(await index.search([1, 0.2, 0], { k: 5 })),
    });
    const before = await snapshot();
    const code = async (run: () => Promise<unknown>) => {
      try {
        await run();
        return 'resolved';
      } catch (error) {
        return error instanceof VicinityError
          ? error.code
          : `not a VicinityError: ${String(error)}`;
      }
    };
    const bad = (items: unknown) => () => index.upsert(items as never);
    const codes: Record<string, string> = {
      wrongDimension: await code(bad([{ id: 'c', vector: [1, 2] }])),
      nan: await code(bad([{ id: 'c', vector: [1, NaN, 0] }])),
      infinity: await code(bad([{ id: 'c', vector: [1, 0, -Infinity] }])),
      emptyId: await code(bad([{ id: '', vector: [1, 0, 0] }])),
      numberId: await code(bad([{ id: 42, vector: [1, 0, 0] }])),
      duplicate: await code(
        bad([
          { id: 'c', vector: [1, 0, 0] },
          { id: 'c', vector: [0, 0, 1] },
        ]),
      ),
      // One bad item among good ones: nothing of the batch is added.
      atomic: await code(
        bad([
          { id: 'c', vector: [0, 0, 1] },
          { id: 'a', vector: [0, 0, 5] },
          { id: 'd', vector: [0, NaN, 1] },
        ]),
      ),
      kZero: await code(() => index.search([1, 0, 0], { k: 0 })),
      kFraction: await code(() => index.search([1, 0, 0], { k: 2.5 })),
      kString: await code(() => index.search([1, 0, 0], { k: '3' as never })),
      unknownOperator: await code(() =>
        index.search([1, 0, 0], { filter: { g: { $regex: 'x' } } as never }),
      ),
      functionFilter: await code(() =>
        index.search([1, 0, 0], { filter: ((m: unknown) => !!m) as never }),
      ),
      queryDimension: await code(() => index.search([1, 0], { k: 1 })),
      badEf: await code(() => index.search([1, 0, 0], { efSearch: -1 })),
      textWithoutEmbed: await code(() => index.search('hello')),
      removeEmptyId: await code(() => index.remove([''])),
      reopenDimensions: await code(() => VectorIndex.open(name, { dimensions: 4 })),
      reopenMetric: await code(() => VectorIndex.open(name, { metric: 'l2' })),
      reopenM: await code(() => VectorIndex.open(name, { M: 32 })),
      missingIndex: await code(() => VectorIndex.open(`${name}-never-created`)),
    };
    const after = await snapshot();
    await index.save();
    await index.close();
    // Now nothing is open in this page: the clash is found by the worker, against storage.
    const reopenDimensionsAfterSave = await code(() => VectorIndex.open(name, { dimensions: 4 }));
    const reopenMetricAfterSave = await code(() => VectorIndex.open(name, { metric: 'l2' }));
    const reopenMAfterSave = await code(() => VectorIndex.open(name, { M: 32 }));
    const reopened = await VectorIndex.open(name);
    const afterReopen = JSON.stringify(await reopened.search([1, 0.2, 0], { k: 5 }));
    await reopened.close();
    const closed = {
      search: await code(() => index.search([1, 0, 0])),
      upsert: await code(() => index.upsert([{ id: 'z', vector: [1, 0, 0] }])),
      remove: await code(() => index.remove(['a'])),
      save: await code(() => index.save()),
      stats: await code(() => index.stats()),
      batch: await code(() => index.searchBatch([[1, 0, 0]])),
    };
    await VectorIndex.delete(name);
    return {
      codes,
      before,
      after,
      afterReopen,
      reopen: [reopenDimensionsAfterSave, reopenMetricAfterSave, reopenMAfterSave],
      closed,
    };
  }, name);

  expect(r.codes).toEqual({
    wrongDimension: 'DIMENSION_MISMATCH',
    nan: 'INVALID_VECTOR',
    infinity: 'INVALID_VECTOR',
    emptyId: 'INVALID_ID',
    numberId: 'INVALID_ID',
    duplicate: 'DUPLICATE_ID',
    atomic: 'INVALID_VECTOR',
    kZero: 'INVALID_K',
    kFraction: 'INVALID_K',
    kString: 'INVALID_K',
    unknownOperator: 'INVALID_FILTER',
    functionFilter: 'FUNCTION_FILTER',
    queryDimension: 'DIMENSION_MISMATCH',
    badEf: 'INVALID_EF',
    textWithoutEmbed: 'NO_EMBEDDER',
    removeEmptyId: 'INVALID_ID',
    // Not saved yet: checked against the copy open in this page.
    reopenDimensions: 'INCOMPATIBLE_OPTIONS',
    reopenMetric: 'INCOMPATIBLE_OPTIONS',
    reopenM: 'INCOMPATIBLE_OPTIONS',
    missingIndex: 'NOT_FOUND',
  });
  expect(r.reopen).toEqual([
    'INCOMPATIBLE_OPTIONS',
    'INCOMPATIBLE_OPTIONS',
    'INCOMPATIBLE_OPTIONS',
  ]);
  expect(r.after).toEqual(r.before);
  expect(r.afterReopen).toBe(r.before.hits);
  expect(Object.values(r.closed)).toEqual(Array(6).fill('CLOSED'));
});

test('the code of a worker-side failure survives the trip to the page', async ({ harness }) => {
  const name = uniqueName('worker-error');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex, VicinityError } = window.harness.vicinity;
    const index = await VectorIndex.open(name, { dimensions: 2 });
    await index.upsert([{ id: 'a', vector: [1, 1] }]);
    await index.save();
    await index.close();
    try {
      await VectorIndex.open(name, { dimensions: 3 });
      return 'opened';
    } catch (error) {
      return {
        isVicinityError: error instanceof VicinityError,
        code: (error as InstanceType<typeof VicinityError>).code,
        message: (error as Error).message,
      };
    } finally {
      await VectorIndex.delete(name);
    }
  }, name);
  expect(r).toMatchObject({ isVicinityError: true, code: 'INCOMPATIBLE_OPTIONS' });
  expect(JSON.stringify(r)).toContain('dimensions 3 (the index has 2)');
});
