import { act, openIn, upsert } from './tabHelpers';
import { expect, openHarness, roundsFor, test, uniqueName } from './fixtures';

test('two tabs writing and saving at once, round after round: no saved write is ever lost', async ({
  page,
  engine,
}) => {
  test.setTimeout(300_000);
  const name = uniqueName('race');
  const other = await page.context().newPage();
  await openHarness(page, engine);
  await openHarness(other, engine);
  await openIn(page, name, 2);
  await act(page, 'save');
  await openIn(other, name);
  const committed = new Set<string>();
  const outcomes = { saved: 0, conflict: 0 };
  const total = roundsFor(engine, 60);
  for (let round = 0; round < total; round++) {
    const tabs = [page, other] as const;
    const results = await Promise.all(
      tabs.map(async (tab, t) => {
        const id = `r${round}t${t}`;
        await upsert(tab, [id]);
        return { tab, id, result: await act(tab, 'save') };
      }),
    );
    for (const { tab, id, result } of results) {
      if (typeof result === 'number') {
        outcomes.saved++;
        committed.add(id);
      } else {
        expect(result).toBe('error CONFLICT');
        outcomes.conflict++;
        // The loser takes the winner's generation and tries again next round.
        await act(tab, 'reopen');
      }
    }
  }
  await act(page, 'reopen');
  const stored = (await act(page, 'ids')) as string[];
  console.log(`${total} rounds: ${outcomes.saved} saves, ${outcomes.conflict} conflicts`);
  expect(outcomes.saved).toBeGreaterThanOrEqual(total);
  // Exactly the saved writes: none lost, and none of the refused ones.
  expect(stored).toEqual([...committed].sort());
  await other.close();
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
});
