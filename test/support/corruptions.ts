/*
 * Page side of the random-corruption test: an index with two stored
 * generations, damaged in a random way before each open. Nothing damaged may
 * load silently: the open falls back to the older generation and says so
 * (stats().recoveredFrom), or fails with a VicinityError.
 *
 * A case opens the index through VectorIndex (in the page, one worker per
 * case) or through IndexService (in a test worker that runs many cases): the
 * same open path as the index worker's, without starting a worker each time.
 */
import { wrap } from 'comlink';
import { DEFAULTS } from '../../src/core/defaults.js';
import type { EngineChoice } from '../../src/engine/chooseEngine.js';
import { VicinityError } from '../../src/core/VicinityError.js';
import { IndexService } from '../../src/worker/IndexService.js';
import { hnswlibWasmFactory } from '../../src/engine/hnswlib-wasm/HnswlibWasmEngine.js';
import { simdFactory } from '../../src/engine/SimdEngine.js';
import { seededRandom } from './random.js';
import { fetchWords } from './words.js';

type ChunkRef = { key: string; byteLength: number };
/** A generation: its manifest, its whole bytes, and the chunks (from the undamaged manifest) they go back into. */
type Record_ = {
  key: number;
  manifest: Record<string, unknown>;
  bytes: Uint8Array;
  refs: ChunkRef[];
};
export interface Prepared {
  name: string;
  engine: EngineChoice;
  /** Newest first. */
  stored: [Record_, Record_];
  answers: [string, string];
}

let prepared: Prepared | undefined;

/** Hands the prepared index to this context (the test worker). */
export function use(p: Prepared): void {
  prepared = p;
}

function database(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(`vicinity:${name}`);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

type Via = 'index' | 'service';

async function answersOf(
  name: string,
  via: Via = 'index',
): Promise<{ answers: string; recovered: string }> {
  if (via === 'service') return answersOfService(name);
  const words = await fetchWords();
  const index = await window.harness.vicinity.VectorIndex.open(name);
  try {
    const hits = await index.searchBatch(words.queries.vectors.slice(0, 5), { k: 5 });
    const stats = await index.stats();
    return {
      answers: `${index.size}: ${hits.map((h) => h.map((x) => x.id).join()).join(' | ')}`,
      recovered: stats.recoveredFrom ? `${stats.recoveredFrom.generation}` : '',
    };
  } finally {
    await index.close();
  }
}

async function answersOfService(name: string): Promise<{ answers: string; recovered: string }> {
  const words = await fetchWords();
  const service = new IndexService({ simd: simdFactory, 'hnswlib-wasm': hnswlibWasmFactory });
  await service.open({
    name,
    dimensions: undefined,
    metric: undefined,
    M: undefined,
    efConstruction: undefined,
    quantization: undefined,
    efSearch: undefined,
    initialCapacity: DEFAULTS.initialCapacity,
    engine: prepared!.engine,
  });
  try {
    const queries = words.queries.vectors.slice(0, 5);
    const flat = new Float32Array(queries.length * words.dimensions);
    queries.forEach((q, i) => flat.set(q, i * words.dimensions));
    const { value: hits } = await service.searchBatch(flat, queries.length, { k: 5 });
    const stats = await service.stats();
    return {
      answers: `${stats.size}: ${hits.map((h) => h.map((x) => x.id).join()).join(' | ')}`,
      recovered: stats.recoveredFrom ? `${stats.recoveredFrom.generation}` : '',
    };
  } finally {
    await service.close();
  }
}

/** Two saved generations of 600 real words; their records and answers are kept to restore. */
export async function prepare(name: string): Promise<void> {
  const words = await fetchWords();
  const index = await window.harness.vicinity.VectorIndex.open(name, { dimensions: 100 });
  const item = (i: number) => ({ id: words.base.ids[i]!, vector: words.base.vectors[i]! });
  await index.upsert(Array.from({ length: 600 }, (_, i) => item(i)));
  await index.save();
  await index.upsert(Array.from({ length: 100 }, (_, i) => item(600 + i)));
  await index.remove(words.base.ids.slice(0, 50));
  await index.save();
  await index.close();
  const db = await database(name);
  const tx = db.transaction(['manifests', 'chunks']);
  const get = <T>(req: IDBRequest) =>
    new Promise<T>((resolve) => {
      req.onsuccess = () => resolve(req.result as T);
    });
  const manifests = await get<Record<string, unknown>[]>(tx.objectStore('manifests').getAll());
  const chunksOf = (m: Record<string, unknown>) =>
    Promise.all(
      (m.chunks as ChunkRef[]).map((r) => get<Uint8Array>(tx.objectStore('chunks').get(r.key))),
    );
  const parts = await Promise.all(manifests.map(chunksOf));
  db.close();
  const record = (i: number): Record_ => {
    const pieces = parts[i]!;
    const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
    pieces.reduce((at, p) => (bytes.set(p, at), at + p.byteLength), 0);
    return {
      key: manifests[i]!.generation as number,
      manifest: manifests[i]!,
      bytes,
      refs: manifests[i]!.chunks as ChunkRef[],
    };
  };
  const [older, newest] = [record(0), record(1)];
  if (newest.key <= older.key) throw new Error('expected two generations in key order');
  // Answers of the older generation, opened alone.
  const engine = window.harness.engine ?? 'auto';
  await restore({ name, engine, stored: [older, older], answers: ['', ''] }, [false, true]);
  const olderAnswers = (await answersOf(name)).answers;
  prepared = { name, engine, stored: [newest, older], answers: ['', olderAnswers] };
  await restore(prepared, [true, true]);
  prepared.answers[0] = (await answersOf(name)).answers;
}

/** Puts back the chosen generations' records exactly as saved, removing anything else. */
async function restore(p: Prepared, which: [boolean, boolean]): Promise<void> {
  const db = await database(p.name);
  const tx = db.transaction(['manifests', 'snapshots', 'chunks'], 'readwrite');
  tx.objectStore('manifests').clear();
  tx.objectStore('snapshots').clear();
  tx.objectStore('chunks').clear();
  p.stored.forEach((record, i) => {
    if (!which[i]) return;
    tx.objectStore('manifests').put(record.manifest, record.key);
    tx.objectStore('snapshots').put(new Uint8Array(0), record.key);
    // The bytes go back into the generation's chunks, cut at their lengths; the last takes any rest.
    let at = 0;
    record.refs.forEach((ref, k) => {
      const end = k === record.refs.length - 1 ? record.bytes.length : at + ref.byteLength;
      const piece = record.bytes.slice(at, end);
      at = end;
      if (piece.byteLength > 0) tx.objectStore('chunks').put(piece, ref.key);
    });
  });
  await done(tx);
  db.close();
}

const FIELDS: Record<string, (value: unknown, random: () => number) => unknown> = {
  format: (v) => (v as number) + 1,
  engine: (v) => (v === 'simd' ? 'hnswlib-wasm' : 'simd'),
  dimensions: (v, r) => (v as number) + 1 + Math.floor(r() * 50),
  metric: (v) => (v === 'cosine' ? 'ip' : 'cosine'),
  M: (v) => (v as number) + 1,
  efConstruction: (v) => (v as number) - 1,
  count: (v, r) => (v as number) + (r() < 0.5 ? -1 : 1),
  generation: (v) => (v as number) + 1,
  byteLength: (v) => (v as number) - 1,
  engineByteLength: (v, r) => Math.floor((v as number) * r()),
  checksum: (v) => flipFirstHexDigit(v as string),
  savedAt: (v) => (v as number) + 1000,
  manifestChecksum: (v) => flipFirstHexDigit(v as string),
  chunks: (v, r) => {
    const refs = (v as ChunkRef[]).map((ref) => ({ ...ref }));
    const ref = refs[Math.floor(r() * refs.length)]!;
    if (r() < 0.5) ref.key = flipFirstHexDigit(ref.key);
    else ref.byteLength += 1;
    return refs;
  },
};

function flipFirstHexDigit(hex: string): string {
  return `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
}

/** Damage that really changed the record: two byte changes can cancel out. */
function damageSurely(record: Record_, pristine: Record_, other: Record_, random: () => number) {
  const done: string[] = [];
  do done.push(damage(record, other, random));
  while (same(record, pristine));
  return done.join(', then ');
}

function same(a: Record_, b: Record_): boolean {
  return (
    JSON.stringify(a.manifest) === JSON.stringify(b.manifest) &&
    a.bytes.length === b.bytes.length &&
    a.bytes.every((x, i) => x === b.bytes[i])
  );
}

/** One random damage to a record; returns what it did. */
function damage(record: Record_, other: Record_, random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = record.bytes;
  switch (pick(8)) {
    case 0: {
      const at = pick(bytes.length);
      bytes[at]! ^= 1 << pick(8);
      return `bit flipped at ${at}/${bytes.length}`;
    }
    case 1: {
      const count = 2 + pick(30);
      for (let i = 0; i < count; i++) bytes[pick(bytes.length)]! ^= 1 + pick(255);
      return `${count} bytes changed`;
    }
    case 2: {
      const at = pick(bytes.length);
      record.bytes = bytes.slice(0, at);
      return `truncated to ${at}`;
    }
    case 3: {
      const extra = new Uint8Array(1 + pick(64)).map(() => pick(256));
      const longer = new Uint8Array(bytes.length + extra.length);
      longer.set(bytes);
      longer.set(extra, bytes.length);
      record.bytes = longer;
      return `${extra.length} bytes appended`;
    }
    case 4: {
      const from = pick(bytes.length);
      const to = Math.min(bytes.length, from + 1 + pick(4096));
      if (bytes.subarray(from, to).every((b) => b === 0)) bytes[from] = 1;
      else bytes.fill(0, from, to);
      return `zeroed ${from}..${to}`;
    }
    case 5:
      record.bytes = other.bytes.slice();
      return 'bytes of the other generation';
    case 6: {
      const names = Object.keys(FIELDS);
      const field = names[pick(names.length)]!;
      record.manifest = {
        ...record.manifest,
        [field]: FIELDS[field]!(record.manifest[field], random),
      };
      return `manifest ${field} changed`;
    }
    default: {
      const names = Object.keys(FIELDS);
      const field = names[pick(names.length)]!;
      record.manifest = Object.fromEntries(
        Object.entries(record.manifest).filter(([key]) => key !== field),
      );
      return `manifest ${field} missing`;
    }
  }
}

/**
 * Damages the newest generation (and, one time in three, the older one
 * too), opens the index, and describes the outcome:
 * `fallback` when it opened the older generation with identical answers and
 * reported the newest unreadable, `refused CODE` when open failed, and
 * anything else (`SILENT …`) when damaged data loaded without a word.
 */
export async function corruptAndOpen(
  seed: number,
  via: Via = 'index',
): Promise<{ damage: string; outcome: string }> {
  const p = prepared!;
  const random = seededRandom(seed);
  const both = random() < 1 / 3;
  const copies = p.stored.map((r) => ({
    ...r,
    manifest: { ...r.manifest },
    bytes: r.bytes.slice(),
  }));
  const [newest, older] = copies as [Record_, Record_];
  const what = [`newest: ${damageSurely(newest, p.stored[0], older, random)}`];
  if (both) what.push(`older: ${damageSurely(older, p.stored[1], p.stored[0], random)}`);
  await restore({ ...p, stored: [newest, older] }, [true, true]);
  let outcome: string;
  try {
    const opened = await answersOf(p.name, via);
    if (opened.answers === p.answers[1] && opened.recovered === String(p.stored[0].key))
      outcome = 'fallback';
    else if (opened.answers === p.answers[0]) outcome = 'SILENT: the damaged newest loaded';
    else outcome = `SILENT: loaded ${opened.answers.slice(0, 60)}… recovered ${opened.recovered}`;
  } catch (error) {
    outcome =
      error instanceof VicinityError ? `refused ${error.code}` : `raw error ${String(error)}`;
  }
  return { damage: what.join('; '), outcome: both ? `both damaged: ${outcome}` : outcome };
}

/** Runs the cases of `seeds` in a test worker, through IndexService. */
export async function corruptInWorker(
  seeds: number[],
): Promise<{ damage: string; outcome: string }[]> {
  const worker = new Worker(new URL('./corruptionWorker.ts', import.meta.url), { type: 'module' });
  const remote = wrap<typeof import('./corruptions.js')>(worker);
  try {
    await remote.use(prepared!);
    const results = [];
    for (const seed of seeds) results.push(await remote.corruptAndOpen(seed, 'service'));
    return results;
  } finally {
    worker.terminate();
  }
}
