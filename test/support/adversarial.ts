/*
 * Page side of the adversarial suite: randomised rounds per attack class,
 * each tallied as docs/RELIABILITY.md reports them. A round's calls are all
 * awaited with a bounded wait, so a hang is counted, never a stuck test.
 *
 *   typed   the call failed with a VicinityError (the documented way to fail)
 *   other   it failed with anything else (goal 0)
 *   hangs   it did not settle within the bound (goal 0)
 *   silent  bad input was accepted (goal 0)
 *   lost    something acknowledged was missing afterwards (goal 0)
 */
import type { VectorIndex, VectorIndexOptions } from '../../src/index.js';
import { VicinityError } from '../../src/index.js';
import { seededRandom } from './random.js';
import { tamperSnapshot } from './tamper.js';
import { fetchWords, type WordSet } from './words.js';

export interface Tally {
  readonly attack: string;
  cases: number;
  typed: number;
  other: number;
  hangs: number;
  silent: number;
  lost: number;
  /** What went wrong, for the failure message: at most a few. */
  readonly notes: string[];
}

type Settled<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'typed'; readonly code: string; readonly message: string }
  | { readonly kind: 'other'; readonly message: string }
  | { readonly kind: 'hang' };

const BOUND_MS = 30_000;
const started: Worker[] = [];
let recording = false;
let words: WordSet | undefined;

/** Records the workers the page starts, so that a round can kill the index's worker. */
function recordWorkers(): void {
  if (recording) return;
  recording = true;
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(this);
    }
  };
}

function tally(attack: string): Tally {
  return { attack, cases: 0, typed: 0, other: 0, hangs: 0, silent: 0, lost: 0, notes: [] };
}

function note(t: Tally, text: string): void {
  if (t.notes.length < 5) t.notes.push(text);
}

async function settle<T>(promise: Promise<T>, ms = BOUND_MS): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ kind: 'ok', value }),
        (error: unknown): Settled<T> =>
          error instanceof VicinityError
            ? { kind: 'typed', code: error.code, message: error.message }
            : { kind: 'other', message: String(error) },
      ),
      new Promise<Settled<T>>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'hang' }), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts a settled call that is allowed to fail, but only with a VicinityError. */
function count(t: Tally, what: string, outcome: Settled<unknown>): void {
  if (outcome.kind === 'typed') t.typed++;
  if (outcome.kind === 'other') {
    t.other++;
    note(t, `${what}: ${outcome.message}`);
  }
  if (outcome.kind === 'hang') {
    t.hangs++;
    note(t, `${what}: no answer within ${BOUND_MS} ms`);
  }
}

const open = (name: string, options?: VectorIndexOptions) =>
  window.harness.vicinity.VectorIndex.open(name, options);

function point(id: number): { id: string; vector: number[] } {
  return { id: `p${id}`, vector: [Math.cos(id), Math.sin(id), (id % 7) / 7] };
}

/** Ids stored in an index: every item answers for its own vector at exhaustive efSearch. */
async function storedIds(index: VectorIndex, ids: readonly number[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (ids.length === 0) return found;
  const hits = await index.searchBatch(
    ids.map((id) => point(id).vector),
    { k: 1, efSearch: 512 },
  );
  hits.forEach((h) => {
    if (h[0] && h[0].distance < 1e-6) found.add(h[0].id);
  });
  return found;
}

/**
 * Close, save and autosave racing each other: random upserts, saves and a
 * close at a random moment, with or without autosave. What must hold after
 * a reopen: every item whose upsert resolved before a save that resolved was
 * called; with autosave and a close that resolved, every upsert that resolved.
 */
export async function closeSaveRaces(seed: number, rounds: number): Promise<Tally> {
  const t = tally('close / save / autosave races');
  const random = seededRandom(seed);
  for (let round = 0; round < rounds; round++) {
    const name = `adv-race-${seed}-${round}`;
    const autosaveMs = [undefined, 0, 5, 40][Math.floor(random() * 4)];
    const index = await open(name, { dimensions: 3, metric: 'l2', autosaveMs, cache: false });
    let next = 0;
    const upserted: { id: number; at: number }[] = [];
    const savesCalledAt: { at: number; done: Promise<boolean> }[] = [];
    let clock = 0;
    const calls: Promise<unknown>[] = [];
    const steps = 3 + Math.floor(random() * 6);
    let closed: Promise<Settled<void>> | undefined;
    for (let step = 0; step < steps; step++) {
      const roll = random();
      if (roll < 0.55) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 40) }, () => next++);
        const upsert = settle(index.upsert(batch.map(point)));
        calls.push(
          upsert.then((outcome) => {
            count(t, 'upsert', outcome);
            if (outcome.kind === 'ok') for (const id of batch) upserted.push({ id, at: ++clock });
          }),
        );
      } else if (roll < 0.85) {
        const at = clock;
        const save = settle(index.save());
        const done = save.then((outcome) => {
          count(t, 'save', outcome);
          return outcome.kind === 'ok';
        });
        calls.push(done);
        savesCalledAt.push({ at, done });
      } else {
        closed = settle(index.close());
        break;
      }
      if (random() < 0.5) await new Promise((resolve) => setTimeout(resolve, random() * 15));
    }
    closed ??= settle(index.close());
    await Promise.all(calls);
    const closeOutcome = await closed;
    count(t, 'close', closeOutcome);
    t.cases++;
    // What was acknowledged as durable.
    let durableUpTo = 0;
    for (const save of savesCalledAt)
      if (await save.done) durableUpTo = Math.max(durableUpTo, save.at);
    const mustHold = upserted
      .filter((u) =>
        autosaveMs !== undefined && closeOutcome.kind === 'ok' ? true : u.at <= durableUpTo,
      )
      .map((u) => u.id);
    const reopened = await settle(open(name));
    if (reopened.kind === 'ok') {
      const found = await storedIds(reopened.value, mustHold);
      const missing = mustHold.filter((id) => !found.has(`p${id}`));
      if (missing.length > 0) {
        t.lost++;
        note(
          t,
          `round ${round} (autosave ${autosaveMs}): ${missing.length} acknowledged items missing`,
        );
      }
      await reopened.value.close();
    } else if (!(
      reopened.kind === 'typed' &&
      reopened.code === 'NOT_FOUND' &&
      mustHold.length === 0
    )) {
      if (mustHold.length > 0) t.lost++;
      count(t, 'reopen', reopened);
      note(t, `round ${round}: reopen ${reopened.kind}`);
    }
    await window.harness.vicinity.VectorIndex.delete(name);
  }
  return t;
}

/**
 * Damage, recover, save, damage again: the newest generation is damaged
 * before each reopen (now and then every generation), so that each open
 * falls back, and the next save must keep the intact one it fell back to.
 */
export async function damageRecoverSave(seed: number, rounds: number): Promise<Tally> {
  const t = tally('damage → recover → save → damage');
  const random = seededRandom(seed);
  const damages = [
    (b: Uint8Array) => b.slice(0, Math.floor(b.length * random())),
    (b: Uint8Array) => {
      const i = Math.floor(random() * b.length);
      b[i] = (b[i] as number) ^ 0x5a;
      return b;
    },
    (b: Uint8Array) => {
      const out = new Uint8Array(b.length + 16);
      out.set(b);
      return out;
    },
  ];
  for (let round = 0; round < rounds; round++) {
    const name = `adv-damage-${seed}-${round}`;
    let index = await open(name, { dimensions: 3, metric: 'l2', cache: false });
    let size = 0;
    const add = async () => {
      const batch = Array.from({ length: 1 + Math.floor(random() * 20) }, () => size++);
      await index.upsert(batch.map(point));
      await index.save();
    };
    await add();
    // Items of the generation that verifies: every later save grows from it and must keep it.
    const intact = size;
    for (let step = 0; step < 4; step++) {
      await add();
      await index.close();
      const all = random() < 0.15;
      const damage = damages[Math.floor(random() * damages.length)]!;
      await tamperSnapshot(name, damage, all ? 'all' : 'newest');
      t.cases++;
      const reopened = await settle(open(name));
      if (all) {
        // Nothing intact: the only right answer is INDEX_CORRUPTED.
        if (reopened.kind === 'typed' && reopened.code === 'INDEX_CORRUPTED') t.typed++;
        else if (reopened.kind === 'ok') {
          t.silent++;
          note(t, `round ${round}: every generation damaged, yet it opened`);
          await reopened.value.close();
        } else count(t, 'open', reopened);
        break;
      }
      if (reopened.kind !== 'ok') {
        t.lost++;
        count(t, 'open', reopened);
        note(t, `round ${round} step ${step}: intact generation of ${intact} items did not open`);
        break;
      }
      index = reopened.value;
      if (index.size !== intact) {
        t.lost++;
        note(t, `round ${round} step ${step}: opened ${index.size} items, expected ${intact}`);
      }
      size = index.size;
    }
    await settle(index.close());
    await window.harness.vicinity.VectorIndex.delete(name);
  }
  return t;
}

/**
 * The worker dies (a crash, or silently so that only a deadline notices)
 * while no stored generation can be reopened: every generation damaged, or
 * the database upgraded from elsewhere. Calls in flight and later ones must
 * all settle with a VicinityError, and only a few workers be started.
 */
export async function killWhileUnopenable(seed: number, rounds: number): Promise<Tally> {
  recordWorkers();
  const t = tally('worker killed while storage cannot reopen');
  const random = seededRandom(seed);
  for (let round = 0; round < rounds; round++) {
    const name = `adv-unopenable-${seed}-${round}`;
    const index = await open(name, { dimensions: 3, metric: 'l2', timeoutMs: 800 });
    await index.upsert([0, 1, 2, 3].map(point));
    await index.save();
    let upgrade: IDBDatabase | undefined;
    if (random() < 0.5) {
      await tamperSnapshot(name, (b) => b.slice(0, 4), 'all');
    } else {
      // Another tab of a newer version upgrades the database (and keeps it open).
      upgrade = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(`vicinity:${name}`, 2);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    const before = started.length;
    const inFlight = [
      settle(index.search(point(1).vector, { k: 1 })),
      settle(index.upsert([point(9)])),
      settle(index.stats()),
    ];
    const worker = started.at(-1)!;
    worker.terminate();
    if (random() < 0.7) worker.dispatchEvent(new ErrorEvent('error', { message: 'killed' }));
    const later = [
      settle(index.search(point(2).vector, { k: 1 })),
      settle(index.remove(['p0'])),
      settle(index.save()),
    ];
    for (const outcome of await Promise.all([...inFlight, ...later])) {
      t.cases++;
      if (outcome.kind === 'ok') {
        // A call that reached the worker before it died may have answered.
        continue;
      }
      count(t, 'call', outcome);
    }
    const respawns = started.length - before;
    if (respawns > 5) {
      t.other++;
      note(t, `round ${round}: ${respawns} workers started`);
    }
    const closed = await settle(index.close());
    count(t, 'close', closed);
    if (closed.kind === 'typed') note(t, `round ${round}: close rejected ${closed.code}`);
    upgrade?.close();
    await settle(window.harness.vicinity.VectorIndex.delete(name));
  }
  return t;
}

/**
 * A long write with calls behind it, under a base deadline far shorter than
 * the write: nothing may time out, and nothing unsaved may be lost.
 */
export async function longWritesWithCalls(seed: number, rounds: number): Promise<Tally> {
  recordWorkers();
  const t = tally('long writes with concurrent calls');
  const random = seededRandom(seed);
  words ??= await fetchWords();
  const base = words.base;
  for (let round = 0; round < rounds; round++) {
    const name = `adv-long-${seed}-${round}`;
    const timeoutMs = 300 + Math.floor(random() * 700);
    const index = await open(name, { dimensions: 100, timeoutMs, cache: false });
    const unsaved = 200 + Math.floor(random() * 800);
    const bulk = 3_000 + Math.floor(random() * 5_000);
    const items = base.ids
      .slice(0, unsaved + bulk)
      .map((id, i) => ({ id, vector: base.vectors[i]! }));
    await index.upsert(items.slice(0, unsaved));
    const workersBefore = started.length;
    const calls: Promise<Settled<unknown>>[] = [
      settle(index.upsert(items.slice(unsaved)), 300_000),
    ];
    const others = 1 + Math.floor(random() * 8);
    for (let i = 0; i < others; i++) {
      const roll = random();
      const query = words.queries.vectors[i]!;
      const call: Promise<unknown> =
        roll < 0.5
          ? index.search(query, { k: 5 })
          : roll < 0.75
            ? index.stats()
            : index.searchBatch([query, query], { k: 3 });
      calls.push(settle(call, 300_000));
    }
    for (const outcome of await Promise.all(calls)) {
      t.cases++;
      if (outcome.kind !== 'ok') {
        count(t, 'call', outcome);
        if (outcome.kind === 'typed')
          note(t, `round ${round}: ${outcome.code}: ${outcome.message}`);
      }
    }
    const stats = await settle(index.stats());
    const expected = unsaved + bulk;
    if (
      stats.kind !== 'ok' ||
      stats.value.size !== expected ||
      stats.value.unsavedChanges !== expected ||
      started.length !== workersBefore
    ) {
      t.lost++;
      note(t, `round ${round}: after the bulk write ${JSON.stringify(stats)}`);
    }
    await settle(index.close());
    await window.harness.vicinity.VectorIndex.delete(name);
  }
  return t;
}
