import type { Page } from '@playwright/test';
import { expect, openHarness, test, uniqueName } from './fixtures';

/** Builds an index of `count` real words, optionally saving, and returns its answers. */
async function build(page: Page, name: string, from: number, count: number) {
  return page.evaluate(
    async ({ name, from, count }) => {
      const { vicinity, fetchWords } = window.harness;
      const words = await fetchWords();
      const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
      const ids = words.base.ids.slice(from, from + count);
      await index.upsert(
        ids.map((id, i) => ({ id, vector: words.base.vectors[from + i]!, metadata: { i } })),
      );
      const saved = await index.save();
      await index.close();
      return saved;
    },
    { name, from, count },
  );
}

async function answers(page: Page, name: string) {
  return page.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const started = performance.now();
    try {
      const index = await vicinity.VectorIndex.open(name);
      const openMs = performance.now() - started;
      const hits = await index.searchBatch(words.queries.vectors.slice(0, 20), { k: 5 });
      const stats = await index.stats();
      await index.close();
      return {
        ok: true as const,
        hits: hits.map((h) => h.map((x) => `${x.id}:${x.score.toFixed(5)}`)),
        stats,
        openMs,
      };
    } catch (error) {
      return {
        ok: false as const,
        code: (error as { code?: string }).code,
        message: (error as Error).message,
      };
    }
  }, name);
}

async function remove(page: Page, name: string) {
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
}

test('save, reload the page, same results', async ({ harness: page }) => {
  const name = uniqueName('reload');
  const saved = await build(page, name, 0, 3000);
  const before = await answers(page, name);
  await page.reload();
  await openHarness(page);
  const after = await answers(page, name);
  expect(before).toMatchObject({ ok: true });
  expect(after).toMatchObject({ ok: true });
  if (!before.ok || !after.ok) return;
  expect(after.hits).toEqual(before.hits);
  expect(after.stats).toMatchObject({
    size: 3000,
    generation: saved.generation,
    savedGeneration: saved.generation,
  });
  expect(after.stats.recoveredFrom).toBeNull();
  // Updates after a reopen land in a new generation.
  const second = await page.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const index = await VectorIndex.open(name);
    await index.remove(['the', 'of']);
    await index.upsert([{ id: 'not-a-word', vector: new Float32Array(100).fill(0.1) }]);
    const s = await index.save();
    await index.close();
    return s;
  }, name);
  expect(second.generation).toBeGreaterThan(saved.generation);
  await page.reload();
  await openHarness(page);
  const third = await answers(page, name);
  expect(third.ok && third.stats.size).toBe(2999);
  await remove(page, name);
});

for (const [what, fault] of [
  ['a flipped byte', 'flip'],
  ['a truncation', 'truncate'],
] as const) {
  test(`${what} of the newest snapshot opens the previous generation and says so`, async ({
    harness: page,
  }) => {
    const name = uniqueName(`corrupt-${fault}`);
    const first = await build(page, name, 0, 1000);
    const before = await answers(page, name);
    const second = await build(page, name, 1000, 1000);
    const tampered = await page.evaluate(
      ({ name, fault }) => {
        const h = window.harness;
        return h.tamperSnapshot(name, fault === 'flip' ? h.flipByte(0.3) : h.truncate(0.5));
      },
      { name, fault },
    );
    expect(tampered).toEqual([second.generation]);
    await page.reload();
    await openHarness(page);
    const after = await answers(page, name);
    expect(before).toMatchObject({ ok: true });
    expect(after).toMatchObject({ ok: true });
    if (!after.ok || !before.ok) return;
    expect(after.hits).toEqual(before.hits);
    expect(after.stats.savedGeneration).toBe(first.generation);
    expect(after.stats.recoveredFrom?.generation).toBe(second.generation);
    await remove(page, name);
  });

  test(`${what} of every snapshot fails with INDEX_CORRUPTED`, async ({ harness: page }) => {
    const name = uniqueName(`corrupt-all-${fault}`);
    await build(page, name, 0, 500);
    await build(page, name, 500, 500);
    await page.evaluate(
      ({ name, fault }) => {
        const h = window.harness;
        return h.tamperSnapshot(name, fault === 'flip' ? h.flipByte(0.9) : h.truncate(0.99), 'all');
      },
      { name, fault },
    );
    await page.reload();
    await openHarness(page);
    const after = await answers(page, name);
    expect(after).toMatchObject({ ok: false, code: 'INDEX_CORRUPTED' });
    await remove(page, name);
  });
}

test('running out of quota fails the save with QUOTA_EXCEEDED and keeps the last generation', async ({
  harness: page,
  engine,
}) => {
  const name = uniqueName('quota');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  // Chromium enforces an overridden quota only on an origin whose IndexedDB
  // was not yet in use, so the override comes first: 3 MB hold one small
  // snapshot (and its IDBFS copy) but not a larger one.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 3_000_000 });
  const first = await build(page, name, 0, 1000);
  const before = await answers(page, name);
  const outcome = await page.evaluate(async (name) => {
    const { VectorIndex, VicinityError } = window.harness.vicinity;
    const { fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await VectorIndex.open(name);
    await index.upsert(
      words.base.ids
        .slice(1000, 9000)
        .map((id, i) => ({ id, vector: words.base.vectors[1000 + i]! })),
    );
    const started = performance.now();
    const result = await index.save().then(
      () => 'saved',
      (error: unknown) => (error instanceof VicinityError ? error.code : String(error)),
    );
    const ms = performance.now() - started;
    // The index stays usable after the failed save.
    const hitsAfterFailure = (await index.search(words.queries.vectors[0]!, { k: 3 })).length;
    const stats = await index.stats();
    (window as unknown as { quotaIndex: unknown }).quotaIndex = index;
    return { result, ms, hitsAfterFailure, unsaved: stats.unsavedChanges };
  }, name);
  expect(outcome.result).toBe('QUOTA_EXCEEDED');
  expect(outcome.hitsAfterFailure).toBe(3);
  expect(outcome.unsaved).toBe(8000);
  // "Within seconds": the bound only turns a hang into a failure; it is not a benchmark.
  expect(outcome.ms).toBeLessThan(30_000);

  // Meanwhile, another page still opens the last saved generation.
  const other = await page.context().newPage();
  await openHarness(other, engine);
  const after = await answers(other, name);
  expect(before).toMatchObject({ ok: true });
  expect(after).toMatchObject({ ok: true });
  if (!after.ok || !before.ok) return;
  expect(after.hits).toEqual(before.hits);
  expect(after.stats.savedGeneration).toBe(first.generation);
  await other.close();

  // With room again, the same index saves: the stuck IDBFS sync left nothing behind.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  const retry = await page.evaluate(async () => {
    const index = (window as unknown as { quotaIndex: import('../../src/index.js').VectorIndex })
      .quotaIndex;
    const saved = await index.save();
    await index.close();
    return saved;
  });
  expect(retry.generation).toBeGreaterThan(first.generation);
  await page.reload();
  await openHarness(page);
  const final = await answers(page, name);
  expect(final.ok && final.stats.size).toBe(9000);
  await remove(page, name);
});
