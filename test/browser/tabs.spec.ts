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
  expect(((await act(other, 'stats')) as { stale: boolean }).stale).toBe(false);

  // A saves: B hears of it and is stale, even with nothing unsaved; reopened, it has A's work.
  await upsert(page, ['a2']);
  await act(page, 'save');
  await expect
    .poll(async () => ((await act(other, 'stats')) as { stale: boolean }).stale)
    .toBe(true);
  expect(await act(other, 'reopen')).toBe(2);
  expect(((await act(other, 'stats')) as { stale: boolean }).stale).toBe(false);

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
