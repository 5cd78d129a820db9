import { act, openIn, upsert } from './tabHelpers';
import { expect, openHarness, test, uniqueName } from './fixtures';

test('after another tab saves, a tab knows it is stale and cannot clobber that save', async ({
  page,
  engine,
}) => {
  const name = uniqueName('tabs');
  const other = await page.context().newPage();
  await openHarness(page, engine);
  await openHarness(other, engine);
  await openIn(page, name, 2);
  await upsert(page, ['a1']);
  await act(page, 'save');
  await openIn(other, name);
  expect(await act(other, 'stats')).toMatchObject({ stale: false });

  // A saves: B hears of it and is stale, even with nothing unsaved; reopened, it has A's work.
  await upsert(page, ['a2']);
  await act(page, 'save');
  await expect.poll(() => act(other, 'stats')).toMatchObject({ stale: true });
  expect(await act(other, 'reopen')).toBe(2);
  expect(await act(other, 'stats')).toMatchObject({ stale: false });

  // B writes without saving; A saves again: B's save is refused, A's work stays.
  await upsert(other, ['b1']);
  await upsert(page, ['a3']);
  await act(page, 'save');
  expect(await act(other, 'save')).toBe('error CONFLICT');
  expect(await act(page, 'ids')).toEqual(['a1', 'a2', 'a3']);
  expect(await act(other, 'reopen')).toBe(3);
  expect(await act(other, 'ids')).toEqual(['a1', 'a2', 'a3']);
  await other.close();
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
});

/** Opens the index's database in a tab as code that never lets go would (no versionchange handler). */
function holdDatabase(tab: import('@playwright/test').Page, name: string, version?: number) {
  return tab.evaluate(
    ({ name, version }) =>
      new Promise<string>((resolve) => {
        const req = indexedDB.open(`vicinity:${name}`, version);
        let blocked = false;
        req.onblocked = () => (blocked = true);
        req.onupgradeneeded = () => req.result.createObjectStore(`v${version}`);
        req.onsuccess = () => {
          (window as unknown as { held: IDBDatabase }).held = req.result;
          resolve(blocked ? 'opened after being blocked' : 'opened');
        };
        req.onerror = () => resolve(`error ${req.error?.name}`);
      }),
    { name, version },
  );
}

test('a tab that never closes the database makes delete fail with STORAGE_BLOCKED, not hang', async ({
  page,
  engine,
}) => {
  const name = uniqueName('blocked');
  const other = await page.context().newPage();
  await openHarness(page, engine);
  await openHarness(other, engine);
  await openIn(page, name, 2);
  await upsert(page, ['a']);
  await act(page, 'save');
  expect(await holdDatabase(other, name)).toBe('opened');
  const r = await page.evaluate(async (name) => {
    const started = performance.now();
    const outcome = await window.harness.vicinity.VectorIndex.delete(name).then(
      () => 'deleted',
      (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
    );
    return { outcome, ms: performance.now() - started };
  }, name);
  expect(r.outcome).toMatch(/^STORAGE_BLOCKED: .*another tab/);
  expect(r.ms).toBeLessThan(10_000);
  // Once the other tab lets go, the deletion goes ahead.
  await other.evaluate(() => (window as unknown as { held: IDBDatabase }).held.close());
  await expect
    .poll(() => page.evaluate(() => window.harness.vicinity.VectorIndex.list()))
    .not.toContain(name);
  await other.close();
});

test('an upgrade or a delete from another tab is never blocked by an open index, and the index then refuses to save', async ({
  page,
  engine,
}) => {
  const name = uniqueName('versionchange');
  const other = await page.context().newPage();
  await openHarness(page, engine);
  await openHarness(other, engine);
  await openIn(page, name, 2);
  await upsert(page, ['a']);
  await act(page, 'save');

  // A newer version of the library in another tab upgrades the database (this one is at 2).
  expect(await holdDatabase(other, name, 3)).toBe('opened');
  await other.evaluate(() => (window as unknown as { held: IDBDatabase }).held.close());
  await upsert(page, ['b']);
  expect(await act(page, 'ids')).toEqual(['a', 'b']); // still answers from memory
  expect(await act(page, 'save')).toBe('error UNSUPPORTED_FORMAT');
  expect(await act(page, 'reopen')).toBe('error UNSUPPORTED_FORMAT');
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);

  // Deleted in another tab while open here: the delete goes through, this tab's save is refused.
  await openIn(page, name, 2);
  await upsert(page, ['c']);
  await act(page, 'save');
  const deleted = await other.evaluate(
    (name) =>
      window.harness.vicinity.VectorIndex.delete(name).then(
        () => 'deleted',
        (error: { code?: string }) => `error ${error.code}`,
      ),
    name,
  );
  expect(deleted).toBe('deleted');
  await upsert(page, ['d']);
  expect(await act(page, 'save')).toBe('error CONFLICT');
  await other.close();
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
});
