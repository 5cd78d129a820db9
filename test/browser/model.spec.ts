import { expect, roundsFor, test } from './fixtures';

/*
 * Model-based fuzzing: fast-check generates sequences of upsert, remove,
 * search, searchBatch, save, close + reopen, stats and bad inputs; each runs
 * against the real index in the page and against a plain-JS model
 * (test/support/modelFuzz.ts). Environment:
 *   MODEL_RUNS   sequences for the SIMD engine (default 300; the fallback engine runs a third: roundsFor)
 *   MODEL_SEED   replays a run: the same seed and MODEL_RUNS give the same sequences
 *   MODEL_PATH, MODEL_REPLAY_PATH  fast-check's path and the commands' replayPath of a
 *                failure, to replay only that sequence (with MODEL_SEED; the failure prints them)
 *   MODEL_FRESH_EVERY  sequences that share one index (default 25; 1 = a fresh index each)
 */
const SIMD_RUNS = integerFromEnv('MODEL_RUNS', 300);
const SEED = integerFromEnv('MODEL_SEED', Math.floor(Math.random() * 2 ** 31));
const PATH = process.env.MODEL_PATH || undefined;
const REPLAY_PATH = process.env.MODEL_REPLAY_PATH || undefined;
const FRESH_EVERY = integerFromEnv('MODEL_FRESH_EVERY', 25);

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
  return value;
}

test('random command sequences agree with a plain-JS model', async ({ harness, engine }) => {
  const RUNS = roundsFor(engine, SIMD_RUNS);
  // Measured on two cores: 50-85 ms per sequence, 25-45 s for 500 (simd is
  // the faster); the rest of the budget is room for shrinking a failure.
  const budgetMs = 60_000 + RUNS * 300;
  test.setTimeout(budgetMs + 30_000);
  const command = (env: string) =>
    `${env} npx playwright test test/browser/model.spec.ts --project=${engine}`;
  const rerun = command(
    `MODEL_SEED=${SEED} MODEL_RUNS=${RUNS} MODEL_FRESH_EVERY=${FRESH_EVERY}` +
      (RUNS === SIMD_RUNS ? '' : ' FALLBACK_ROUNDS=full') +
      (PATH === undefined ? '' : ` MODEL_PATH='${PATH}'`) +
      (REPLAY_PATH === undefined ? '' : ` MODEL_REPLAY_PATH='${REPLAY_PATH}'`),
  );
  console.log(`[model] ${engine}: seed ${SEED}, ${RUNS} sequences; rerun: ${rerun}`);
  const result = await harness.evaluate(
    async (options) => (await window.harness.modelFuzz()).runModelFuzz(options),
    {
      engine,
      runs: RUNS,
      seed: SEED,
      ...(PATH === undefined ? {} : { path: PATH }),
      ...(REPLAY_PATH === undefined ? {} : { replayPath: REPLAY_PATH }),
      freshEvery: FRESH_EVERY,
      maxCommands: 20,
      // A close + reopen costs a new worker and its WASM (measured: 140 ms for
      // simd, 430 ms for hnswlib-wasm): one in about 5 (simd) or 9 sequences.
      reopenWeight: engine === 'simd' ? 2 : 1,
      timeLimitMs: budgetMs,
    },
  );
  const { report, failed, replay, ...numbers } = result;
  console.log(
    `[model] ${engine}: ${numbers.numRuns} sequences in ${(numbers.ms / 1000).toFixed(1)} s, ` +
      `${(numbers.commands / numbers.sequences).toFixed(1)} commands each; ` +
      JSON.stringify(numbers),
  );
  const replayOne =
    replay &&
    command(
      `MODEL_SEED=${SEED} MODEL_PATH='${replay.path}'` +
        (replay.replayPath === undefined ? '' : ` MODEL_REPLAY_PATH='${replay.replayPath}'`),
    );
  expect(
    failed,
    `seed ${SEED} (${engine})\nwhole run: ${rerun}` +
      (replayOne ? `\nthis counterexample alone: ${replayOne}` : '') +
      `\n${report}`,
  ).toBe(false);
  expect(result.leftOver, 'indexes the run did not delete').toEqual([]);
  // A time limit ends fast-check early without a failure: count the runs.
  if (PATH === undefined) expect(result.numRuns).toBe(RUNS);
});
