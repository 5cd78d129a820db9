import { expect, roundsFor, test } from './fixtures';
import { seedFrom } from '../support/random';
import type { Tally } from '../support/adversarial';

/*
 * The adversarial suite: randomised rounds per attack class, each tallied
 * (cases, typed errors, other errors, hangs, silently accepted bad input,
 * data lost) and printed as a row of docs/RELIABILITY.md's table. The goal
 * of the last four columns is 0. ADVERSARIAL_SEED replays a run;
 * ADVERSARIAL_SCALE multiplies the rounds.
 */
const SEED = seedFrom(process.env.ADVERSARIAL_SEED);
const SCALE = Number(process.env.ADVERSARIAL_SCALE ?? 1);

type Attack =
  'closeSaveRaces' | 'damageRecoverSave' | 'killWhileUnopenable' | 'longWritesWithCalls';

/** Rounds per run for the SIMD engine (about a minute in all here); a third for the fallback (roundsFor). */
const ATTACKS: [Attack, number][] = [
  ['closeSaveRaces', 30],
  ['damageRecoverSave', 10],
  ['killWhileUnopenable', 6],
  ['longWritesWithCalls', 2],
];

for (const [attack, rounds] of ATTACKS) {
  test(`adversarial: ${attack}`, async ({ harness, engine }) => {
    test.setTimeout(300_000);
    const n = roundsFor(engine, Math.max(1, Math.round(rounds * SCALE)));
    const t: Tally = await harness.evaluate(
      async ({ attack, seed, n }) => (await window.harness.adversarial())[attack](seed, n),
      { attack, seed: SEED, n },
    );
    console.log(
      `[adversarial] ${engine} | ${t.attack} | ${t.cases} | ${t.typed} | ${t.other} | ${t.hangs} | ` +
        `${t.silent} | ${t.lost} | seed ${SEED} (replay: ADVERSARIAL_SEED=${SEED})`,
    );
    expect(t.notes, `seed ${SEED}`).toEqual([]);
    expect({ other: t.other, hangs: t.hangs, silent: t.silent, lost: t.lost }).toEqual({
      other: 0,
      hangs: 0,
      silent: 0,
      lost: 0,
    });
    expect(t.cases).toBeGreaterThan(0);
  });
}
