/*
 * Page side of the fault-injection tests: one index per page, changed a
 * little each round, saved, and interrupted somewhere in the save.
 */
import type { VectorIndex } from '../../src/index.js';
import { VicinityError } from '../../src/index.js';
import { seededRandom } from './random.js';
import { fetchWords, type WordSet } from './words.js';

/** What the index holds: its size and the ids it answers for fixed queries. */
export interface Fingerprint {
  readonly size: number;
  readonly answers: string;
}

let words: WordSet | undefined;
let index: VectorIndex | undefined;
let outcome = 'idle';
const started: Worker[] = [];

/** Records every worker the page starts, so that a round can kill the index's worker. */
export function recordWorkers(): void {
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(this);
    }
  };
}

export async function fingerprint(): Promise<Fingerprint> {
  const queries = words!.queries.vectors.slice(0, 8);
  const hits = await index!.searchBatch(queries, { k: 5, efSearch: 200 });
  // The text index rides in the same snapshot: its answers must move with the vectors.
  const texts = await index!.searchBatch(['group1', 'group2 group3'], { mode: 'text', k: 1000 });
  const textPart = texts
    .map((h) =>
      h
        .map((x) => x.id)
        .sort()
        .join(),
    )
    .join(' | ');
  return {
    size: index!.size,
    answers: `${hits.map((h) => h.map((x) => x.id).join()).join(' | ')} || ${textPart}`,
  };
}

/** The text of word `i` in round `round`: its group, so that text answers change as words move. */
function textOf(i: number, round: number): string {
  return `group${(i + round) % 40} ${words!.base.ids[i]}`;
}

/** Opens (or creates, with the first `initial` words) the index of this page. */
export async function openIndex(name: string, initial: number): Promise<Fingerprint> {
  words ??= await fetchWords();
  index = await window.harness.vicinity.VectorIndex.open(name, {
    dimensions: 100,
    timeoutMs: 1_500,
  });
  if (index.size === 0 && initial > 0) {
    await index.upsert(
      words.base.ids
        .slice(0, initial)
        .map((id, i) => ({ id, vector: words!.base.vectors[i]!, text: textOf(i, 0) })),
    );
    await index.save();
  }
  return fingerprint();
}

/** Round `round`'s change: some words added, some removed, chosen by the round's seed. */
export async function change(seed: number): Promise<Fingerprint> {
  const random = seededRandom(seed);
  const base = words!.base;
  const from = Math.floor(random() * (base.ids.length - 40));
  await index!.upsert(
    base.ids.slice(from, from + 40).map((id, i) => ({
      id,
      vector: base.vectors[from + i]!,
      text: textOf(from + i, seed % 7),
    })),
  );
  const gone = Array.from({ length: 15 }, () => base.ids[Math.floor(random() * 4_000)]!);
  await index!.remove([...new Set(gone)]);
  return fingerprint();
}

/** Starts a save without waiting; `saveOutcome` says how it ended. */
export function startSave(): void {
  outcome = 'pending';
  const startedAt = performance.now();
  index!.save().then(
    () => (outcome = `saved in ${(performance.now() - startedAt).toFixed(1)} ms`),
    (error: unknown) =>
      (outcome = error instanceof VicinityError ? `failed ${error.code}` : `raw ${String(error)}`),
  );
}

export function saveOutcome(): string {
  return outcome;
}

/**
 * Kills the index's worker `afterMs` into a save: `crash` as a dying worker
 * does (terminated, then its error event), `hang` with no event at all, so
 * that only the call deadline can notice. Resolves with how the save ended
 * once it has (a deadline of 10 s: a pending save fails the round).
 */
export async function killDuringSave(afterMs: number, mode: 'crash' | 'hang'): Promise<string> {
  const worker = started.at(-1)!;
  startSave();
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  worker.terminate();
  if (mode === 'crash') worker.dispatchEvent(new ErrorEvent('error', { message: 'killed' }));
  const deadline = performance.now() + 10_000;
  while (outcome === 'pending' && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return outcome;
}

/**
 * The fingerprint after a kill. A worker killed silently after its save had
 * finished is only noticed by the deadline of the next call: that call fails
 * with TIMEOUT (the code is returned) and the one after it answers.
 */
export async function fingerprintAfterKill(): Promise<{ print: Fingerprint; failed: string }> {
  try {
    return { print: await fingerprint(), failed: '' };
  } catch (error) {
    if (!(error instanceof VicinityError)) throw error;
    return { print: await fingerprint(), failed: error.code };
  }
}

export async function closeIndex(): Promise<void> {
  await index?.close();
  index = undefined;
}
