import type { BrowserContext, Page } from '@playwright/test';
import { expect, openHarness, roundsFor, test, uniqueName } from './fixtures';
import { seededRandom, seedFrom } from '../support/random';
import type { Fingerprint } from '../support/faultRounds';

/*
 * Saves interrupted at random points: the index's worker killed (as a crash,
 * or silently so that only the deadline notices), the page closed, the
 * renderer crashed through CDP. After each, the index must hold the last
 * saved generation or the new one, intact: same size, same answers.
 * FAULT_SEED replays a run; FAULT_ROUNDS sets the interruptions for the SIMD
 * engine (the fallback engine runs a third: roundsFor).
 */
// 45 keeps `npm test` under 20 minutes; FAULT_ROUNDS=1000 for a long run.
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 45);
type Kind = 'worker crash' | 'worker hang' | 'page close' | 'renderer crash';

/** The kinds of this run, in an order shuffled by the seed: half in the worker, half of the page. */
function plan(random: () => number, total: number): Kind[] {
  const hangs = Math.max(1, Math.round(total * 0.04));
  const inWorker = Math.round(total / 2);
  const closes = Math.round((total - inWorker) / 2);
  const kinds: Kind[] = [
    ...Array<Kind>(inWorker - hangs).fill('worker crash'),
    ...Array<Kind>(hangs).fill('worker hang'),
    ...Array<Kind>(closes).fill('page close'),
    ...Array<Kind>(total - inWorker - closes).fill('renderer crash'),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

async function freshPage(context: BrowserContext, engine: string): Promise<Page> {
  const page = await context.newPage();
  await openHarness(page, engine as 'simd');
  await page.evaluate(async () => (await window.harness.faultRounds()).recordWorkers());
  return page;
}

const rounds = (page: Page) => ({
  open: (name: string, initial: number) =>
    page.evaluate(
      async ({ name, initial }) => (await window.harness.faultRounds()).openIndex(name, initial),
      { name, initial },
    ),
  change: (seed: number) =>
    page.evaluate(async (seed) => (await window.harness.faultRounds()).change(seed), seed),
  fingerprint: () => page.evaluate(async () => (await window.harness.faultRounds()).fingerprint()),
  fingerprintAfterKill: () =>
    page.evaluate(async () => (await window.harness.faultRounds()).fingerprintAfterKill()),
  startSave: () => page.evaluate(async () => (await window.harness.faultRounds()).startSave()),
  outcome: () => page.evaluate(async () => (await window.harness.faultRounds()).saveOutcome()),
  killDuringSave: (afterMs: number, mode: 'crash' | 'hang') =>
    page.evaluate(
      async ({ afterMs, mode }) =>
        (await window.harness.faultRounds()).killDuringSave(afterMs, mode),
      { afterMs, mode },
    ),
});

test('saves interrupted at random points leave the last or the new generation, intact', async ({
  browser,
  engine,
}) => {
  test.setTimeout(600_000);
  const seed = seedFrom(process.env.FAULT_SEED);
  console.log(`[${engine}] interrupted saves: seed ${seed} (replay with FAULT_SEED=${seed})`);
  const random = seededRandom(seed);
  const kinds = plan(random, roundsFor(engine, ROUNDS));
  const name = uniqueName('faults');
  const context = await browser.newContext();
  let page = await freshPage(context, engine);
  await rounds(page).open(name, 1_500);

  // A first uninterrupted save gives the scale of the random points.
  await rounds(page).change(seed);
  await rounds(page).startSave();
  await expect.poll(() => rounds(page).outcome()).toMatch(/^saved/);
  const saveMs = Number(/saved in ([\d.]+)/.exec(await rounds(page).outcome())![1]);
  let saved: Fingerprint = await rounds(page).fingerprint();

  const tally: Record<string, number> = {};
  for (const [round, kind] of kinds.entries()) {
    const next = await rounds(page).change(seed + round + 1);
    const afterMs = random() * 1.5 * saveMs;
    let outcome: string;
    let now: Fingerprint;
    if (kind === 'worker crash' || kind === 'worker hang') {
      outcome = await rounds(page).killDuringSave(
        afterMs,
        kind === 'worker crash' ? 'crash' : 'hang',
      );
      // Never pending, and every failure a VicinityError with the code of what happened.
      expect(outcome, `round ${round} (${kind})`).toMatch(
        kind === 'worker crash' ? /^(saved|failed WORKER_CRASHED)/ : /^(saved|failed TIMEOUT)/,
      );
      const after = await rounds(page).fingerprintAfterKill();
      // Only a silent kill after the save had finished goes unnoticed until a call's deadline.
      expect(after.failed, `round ${round} (${kind}): ${outcome}`).toBe(
        kind === 'worker hang' && outcome.startsWith('saved') ? 'TIMEOUT' : '',
      );
      now = after.print;
    } else {
      await rounds(page).startSave();
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      outcome = await rounds(page).outcome();
      if (kind === 'page close') {
        await page.close();
      } else {
        const cdp = await context.newCDPSession(page);
        const crashed = page.waitForEvent('crash');
        void cdp.send('Page.crash').catch(() => undefined);
        await crashed;
        await page.close();
      }
      page = await freshPage(context, engine);
      now = await rounds(page).open(name, 0);
    }
    const which =
      JSON.stringify(now) === JSON.stringify(next)
        ? 'new'
        : JSON.stringify(now) === JSON.stringify(saved)
          ? 'old'
          : 'neither';
    const context_ = `round ${round} (${kind} ${afterMs.toFixed(1)} ms into a save of ~${saveMs.toFixed(1)} ms, seed ${seed}): ${outcome}`;
    expect(which, context_).not.toBe('neither');
    // A save that resolved is durable.
    if (outcome.startsWith('saved')) expect(which, context_).toBe('new');
    tally[`${kind}: ${which}`] = (tally[`${kind}: ${which}`] ?? 0) + 1;
    saved = now;
  }
  console.log(`[${engine}] ${kinds.length} interruptions, save ~${saveMs.toFixed(1)} ms:`, tally);
  await page.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
  await context.close();
});

/*
 * For the SIMD engine: 40 cases opened through VectorIndex (a worker each,
 * end to end) and 230 through IndexService in one test worker (the same open
 * path, faster); a third of each for the fallback engine. CORRUPTIONS sets
 * the second number.
 */
const THROUGH_INDEX = 40;
const THROUGH_SERVICE = Number(process.env.CORRUPTIONS ?? 150);

test('random damage to stored snapshots never loads silently', async ({ harness, engine }) => {
  test.setTimeout(600_000);
  const throughIndex = roundsFor(engine, THROUGH_INDEX);
  const throughService = roundsFor(engine, THROUGH_SERVICE);
  const seed = seedFrom(process.env.FAULT_SEED);
  console.log(`[${engine}] stored-snapshot damage: seed ${seed} (replay with FAULT_SEED=${seed})`);
  const name = uniqueName('damage');
  await harness.evaluate(async (name) => (await window.harness.corruptions()).prepare(name), name);
  const tally: Record<string, number> = {};
  const check = (i: number, { damage, outcome }: { damage: string; outcome: string }) => {
    const where = `case ${i} (seed ${seed}, ${damage}): ${outcome}`;
    if (outcome.startsWith('both damaged'))
      expect(outcome, where).toMatch(
        /^both damaged: refused (INDEX_CORRUPTED|UNSUPPORTED_FORMAT)$/,
      );
    else if (damage.includes('manifest format changed'))
      expect(outcome, where).toBe('refused UNSUPPORTED_FORMAT');
    else expect(outcome, where).toBe('fallback');
    tally[outcome] = (tally[outcome] ?? 0) + 1;
  };
  for (let i = 0; i < throughIndex; i++) {
    check(
      i,
      await harness.evaluate(
        async (seed) => (await window.harness.corruptions()).corruptAndOpen(seed),
        seed + i,
      ),
    );
  }
  for (let from = throughIndex; from < throughIndex + throughService; from += 50) {
    const seeds = Array.from(
      { length: Math.min(50, throughIndex + throughService - from) },
      (_, i) => seed + from + i,
    );
    const results = await harness.evaluate(
      async (seeds) => (await window.harness.corruptions()).corruptInWorker(seeds),
      seeds,
    );
    results.forEach((result, i) => check(from + i, result));
  }
  console.log(`[${engine}] ${throughIndex + throughService} damaged snapshots:`, tally);
  await harness.evaluate((name) => window.harness.vicinity.VectorIndex.delete(name), name);
});
