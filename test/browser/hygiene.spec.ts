import { expect, test, uniqueName } from './fixtures';

test('list, delete, storage figures and autosave', async ({ harness }) => {
  const a = uniqueName('list-a');
  const b = uniqueName('list-b');
  const r = await harness.evaluate(
    async ({ a, b }) => {
      const { vicinity } = window.harness;
      const { VectorIndex } = vicinity;
      const first = await VectorIndex.open(a, { dimensions: 2, autosaveMs: 50, persist: true });
      const second = await VectorIndex.open(b, { dimensions: 2 });
      await first.upsert([{ id: 'x', vector: [1, 2] }]);
      await second.upsert([{ id: 'y', vector: [2, 1] }]);
      // The autosave comes 50 ms after the write: wait for it, within a bound.
      let autosaved: number | null = null;
      for (const until = performance.now() + 10_000; autosaved === null;) {
        autosaved = (await first.stats()).savedGeneration;
        if (performance.now() > until) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const stats = await first.stats();
      await first.upsert([{ id: 'z', vector: [3, 3] }]);
      // Closing with an autosave pending runs it first.
      await first.close();
      await second.close();
      const listed = (await vicinity.VectorIndex.list()).filter((n) => n === a || n === b);
      const reopened = await VectorIndex.open(a);
      const size = reopened.size;
      await reopened.close();
      await VectorIndex.delete(a);
      const afterDelete = (await vicinity.VectorIndex.list()).filter((n) => n === a || n === b);
      await VectorIndex.delete(b);
      return {
        autosaved,
        storage: stats.storage,
        autosaveError: stats.autosaveError,
        listed,
        size,
        afterDelete,
      };
    },
    { a, b },
  );
  expect(r.autosaved).not.toBeNull();
  expect(r.autosaveError).toBeNull();
  expect(r.storage.usage).toBeGreaterThan(0);
  expect(r.storage.quota).toBeGreaterThan(r.storage.usage!);
  expect(typeof r.storage.persisted).toBe('boolean');
  expect(r.listed.sort()).toEqual([a, b].sort());
  expect(r.size).toBe(2);
  expect(r.afterDelete).toEqual([b]);
});
