import { VicinityError } from '../core/VicinityError.js';
import { sha256Hex } from './checksum.js';
import { deleteStoredIndex, listStoredIndexes, storeDatabaseName } from './storeCatalog.js';
import { committed, idbError, openDatabase, request } from '../util/idb.js';
import { parseManifest, sealManifest, type ChunkRef, type Manifest } from './Manifest.js';
import { bufferSource, type SnapshotSource } from './SnapshotSource.js';

/** 2: adds the chunk store of snapshot format 4. */
const DB_VERSION = 2;
const MANIFESTS = 'manifests';
/** Before format 4, a generation's bytes; from format 4, an empty marker that it was committed. */
const SNAPSHOTS = 'snapshots';
/** Chunks of format 4 snapshots, keyed by the SHA-256 (hex) of their bytes. */
const CHUNKS = 'chunks';

/**
 * Bytes per stored chunk. Measured at 100k x 384 (bench/scale.mjs): 4 MiB
 * keeps the transient copy small while per-chunk costs (a transaction, a
 * digest) stay under a few percent of the time.
 */
export const CHUNK_BYTES = 4 << 20;

/** How often a read starts over when a newer save removed the generation it was reading. */
const READ_ATTEMPTS = 5;

export interface LoadedSnapshot {
  readonly manifest: Manifest;
  readonly bytes: Uint8Array;
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  readonly migratedFrom: number | null;
}

/** A stored generation whose manifest verified, for `readLatestWith`'s loader. */
export interface StoredSnapshot {
  readonly manifest: Manifest;
  /**
   * The bytes from `from` to `to` as verified chunks in order. In format 4
   * both must fall on chunk boundaries, as the engine's end does (see
   * writeSnapshot); anything else is INDEX_CORRUPTED.
   */
  chunks(from: number, to: number): AsyncIterable<Uint8Array>;
}

/** What `readLatestWith` gives: the loader's value and the generation it came from. */
export interface OpenedSnapshot<T> {
  readonly manifest: Manifest;
  readonly value: T;
  /** Set when a newer generation was unreadable and this older one was opened. */
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  /** The format it was stored in, when older than the current one (it was migrated on read). */
  readonly migratedFrom: number | null;
}

/** What a write stored: the manifest, and how much of the snapshot had to be written. */
export interface WrittenSnapshot {
  readonly manifest: Manifest;
  /** Bytes of the chunks written; chunks the kept generation already holds are not. */
  readonly writtenBytes: number;
  readonly writtenChunks: number;
}

/** A chunk vanished because a newer save removed the generation being read: read anew. */
class Superseded extends Error {}

/**
 * Versioned snapshots of one index in the project's own IndexedDB database.
 * A generation's bytes go in chunks of CHUNK_BYTES, each in its own
 * transaction and keyed by its SHA-256, so a chunk the kept generation
 * already holds is not written again; the manifest, listing the chunks,
 * commits last and is the commit point. The generation before it stays
 * until a newer one has committed, so a reader always finds one intact
 * snapshot, and a corrupt newest one falls back. Chunks that no kept
 * generation lists (a crashed save's) are collected by the next save.
 */
export class IndexStore {
  readonly #name: string;
  readonly #chunkBytes: number;
  #db: IDBDatabase | null = null;
  /** Set once another tab deleted or upgraded the database under this connection. */
  #lost: VicinityError | null = null;

  private constructor(name: string, chunkBytes: number) {
    this.#name = name;
    this.#chunkBytes = chunkBytes;
  }

  /** `chunkBytes`: the size of the chunks it writes (tests use small ones); it reads any. */
  static async open(name: string, chunkBytes = CHUNK_BYTES): Promise<IndexStore> {
    const store = new IndexStore(name, chunkBytes);
    store.#db = await openDatabase(
      storeDatabaseName(name),
      DB_VERSION,
      (database, _tx, oldVersion) => {
        const has = (store: string) => database.objectStoreNames.contains(store);
        // A database at version 1 without the stores was not vicinity's: left as it is, refused below.
        if (oldVersion === 0 || (has(MANIFESTS) && has(SNAPSHOTS))) {
          if (!has(MANIFESTS)) database.createObjectStore(MANIFESTS);
          if (!has(SNAPSHOTS)) database.createObjectStore(SNAPSHOTS);
          if (!has(CHUNKS)) database.createObjectStore(CHUNKS);
        }
      },
      (newVersion) => store.#letGo(newVersion),
    );
    // A database of this name at this version that lacks the stores was not
    // made by vicinity (or was emptied by hand): it holds no readable index.
    const names = store.#db.objectStoreNames;
    if (!names.contains(MANIFESTS) || !names.contains(SNAPSHOTS) || !names.contains(CHUNKS)) {
      store.close();
      throw new VicinityError(
        'INDEX_CORRUPTED',
        `database ${storeDatabaseName(name)} lacks vicinity's object stores; ` +
          `VectorIndex.delete(${JSON.stringify(name)}) removes it`,
      );
    }
    return store;
  }

  /** A transaction on the live connection; a failure to start one is a VicinityError. */
  #transaction(
    stores: string | string[],
    mode: IDBTransactionMode,
    options?: IDBTransactionOptions,
  ): IDBTransaction {
    const database = this.#database();
    try {
      return database.transaction(stores, mode, options);
    } catch (error) {
      throw idbError(error as DOMException, `cannot read or write the store of "${this.#name}"`);
    }
  }

  /** Another tab needed the database, so the connection closed: say why to whoever uses it next. */
  #letGo(newVersion: number | null): void {
    this.#lost =
      newVersion === null
        ? new VicinityError(
            'CONFLICT',
            `index "${this.#name}" was deleted in another tab; open it again to create it anew`,
          )
        : new VicinityError(
            'UNSUPPORTED_FORMAT',
            `another tab upgraded the storage of "${this.#name}" to version ${newVersion}, ` +
              `newer than this version of vicinity reads (${DB_VERSION})`,
          );
  }

  /** The live connection, or the reason it is gone. */
  #database(): IDBDatabase {
    if (this.#lost) throw this.#lost;
    if (!this.#db) throw new VicinityError('CLOSED', `the store of "${this.#name}" is not open`);
    return this.#db;
  }

  static delete(name: string): Promise<void> {
    return deleteStoredIndex(name);
  }

  /** Names of the indexes stored in this origin. */
  static list(): Promise<string[]> {
    return listStoredIndexes();
  }

  /** Generations in storage, newest first. */
  generations(): Promise<number[]> {
    return this.#keys(MANIFESTS);
  }

  /** Keys of one object store, newest first. */
  async #keys(store: typeof MANIFESTS | typeof SNAPSHOTS): Promise<number[]> {
    const tx = this.#transaction(store, 'readonly');
    const keys = (await request(tx.objectStore(store).getAllKeys())) as number[];
    return keys.sort((a, b) => b - a);
  }

  /**
   * The newest generation whose manifest, length and checksum verify, read
   * whole: for small snapshots and tests; an index opens with readLatestWith.
   */
  async readLatest(): Promise<LoadedSnapshot | null> {
    const opened = await this.readLatestWith(async ({ manifest, chunks }) => {
      const bytes = new Uint8Array(manifest.byteLength);
      let at = 0;
      for await (const chunk of chunks(0, manifest.byteLength)) {
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      return bytes;
    });
    if (!opened) return null;
    const { manifest, value, recoveredFrom, migratedFrom } = opened;
    return { manifest, bytes: value, recoveredFrom, migratedFrom };
  }

  /**
   * Hands the newest generation whose manifest verifies to `load`, which
   * reads its bytes as verified chunks. When a chunk fails (missing, wrong length,
   * wrong SHA-256) or `load` throws INDEX_CORRUPTED, the next older
   * generation is tried: `load` must leave nothing behind when it throws.
   * Null when nothing was ever saved; INDEX_CORRUPTED when snapshots exist
   * but none verifies.
   */
  async readLatestWith<T>(
    load: (snapshot: StoredSnapshot) => Promise<T>,
  ): Promise<OpenedSnapshot<T> | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#readLatestOnce(load);
      } catch (error) {
        if (!(error instanceof Superseded) || attempt >= READ_ATTEMPTS) {
          if (error instanceof Superseded)
            throw new VicinityError('CONFLICT', 'other tabs kept saving while this one read');
          throw error;
        }
      }
    }
  }

  async #readLatestOnce<T>(
    load: (snapshot: StoredSnapshot) => Promise<T>,
  ): Promise<OpenedSnapshot<T> | null> {
    const generations = await this.generations();
    // Snapshot records newer than every manifest: that generation's manifest was lost.
    const orphan = (await this.#keys(SNAPSHOTS)).find((g) => g > (generations[0] ?? -1));
    let failure: { generation: number; reason: string } | null =
      orphan === undefined ? null : { generation: orphan, reason: 'its manifest is missing' };
    if (generations.length === 0) {
      if (failure)
        throw new VicinityError('INDEX_CORRUPTED', `generation ${orphan} has no manifest`);
      return null;
    }
    for (const generation of generations) {
      try {
        const { manifest, migratedFrom } = await this.#readManifest(generation);
        const value = await load({ manifest, chunks: this.#reader(manifest) });
        return { manifest, value, recoveredFrom: failure, migratedFrom };
      } catch (error) {
        if (error instanceof Superseded) throw error;
        if (error instanceof VicinityError && error.code === 'UNSUPPORTED_FORMAT') throw error;
        if (error instanceof VicinityError && error.code !== 'INDEX_CORRUPTED') throw error;
        failure ??= { generation, reason: (error as Error).message };
      }
    }
    throw new VicinityError(
      'INDEX_CORRUPTED',
      `no stored generation verifies (newest ${failure?.generation}: ${failure?.reason})`,
    );
  }

  async #readManifest(generation: number) {
    const tx = this.#transaction(MANIFESTS, 'readonly');
    const { manifest, migratedFrom } = await parseManifest(
      await request(tx.objectStore(MANIFESTS).get(generation)),
    );
    if (manifest.generation !== generation) {
      throw new VicinityError(
        'INDEX_CORRUPTED',
        `manifest of ${generation} names ${manifest.generation}`,
      );
    }
    return { manifest, migratedFrom };
  }

  async #hasManifest(generation: number): Promise<boolean> {
    const tx = this.#transaction(MANIFESTS, 'readonly');
    return (await request(tx.objectStore(MANIFESTS).getKey(generation))) !== undefined;
  }

  /** Reads ranges of one generation's bytes (see StoredSnapshot.chunks). */
  #reader(manifest: Manifest): StoredSnapshot['chunks'] {
    const refs = manifest.chunks;
    const legacy = () => this.#legacyRecord(manifest);
    if (refs === null) {
      // Before format 4: one record, read and checked once, handed on in windows.
      let record: Promise<Uint8Array> | null = null;
      return async function* (from, to) {
        record ??= legacy();
        const bytes = (await record).subarray(from, to);
        for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES)
          yield bytes.subarray(at, at + CHUNK_BYTES);
      };
    }
    const starts: number[] = [];
    let offset = 0;
    for (const ref of refs) {
      starts.push(offset);
      offset += ref.byteLength;
    }
    starts.push(offset);
    return (from, to) => {
      const first = starts.indexOf(from);
      const end = starts.indexOf(to, Math.max(first, 0));
      if (first < 0 || end < 0) {
        throw new VicinityError(
          'INDEX_CORRUPTED',
          `bytes ${from} to ${to} of generation ${manifest.generation} do not fall on chunk boundaries`,
        );
      }
      return this.#chunks(manifest.generation, refs, first, end);
    };
  }

  /** A snapshot stored before format 4: one record, checked whole. */
  async #legacyRecord(manifest: Manifest): Promise<Uint8Array> {
    const { generation } = manifest;
    const tx = this.#transaction(SNAPSHOTS, 'readonly');
    const rawBytes = await request(tx.objectStore(SNAPSHOTS).get(generation));
    if (!(rawBytes instanceof Uint8Array)) {
      throw new VicinityError('INDEX_CORRUPTED', `generation ${generation} has no snapshot bytes`);
    }
    if (rawBytes.byteLength !== manifest.byteLength) {
      throw new VicinityError(
        'INDEX_CORRUPTED',
        `generation ${generation} has ${rawBytes.byteLength} bytes, its manifest says ${manifest.byteLength}`,
      );
    }
    if ((await sha256Hex(rawBytes)) !== manifest.checksum) {
      throw new VicinityError('INDEX_CORRUPTED', `generation ${generation} fails its checksum`);
    }
    return rawBytes;
  }

  /** Chunks first..end-1 of a format 4 generation, each verified; the next is read while one is used. */
  async *#chunks(
    generation: number,
    refs: readonly ChunkRef[],
    first: number,
    end: number,
  ): AsyncGenerator<Uint8Array> {
    const read = (i: number) => this.#chunk(generation, refs, i);
    let next = first < end ? read(first) : null;
    // A prefetch that fails before its turn must not be an unhandled rejection.
    next?.catch(() => undefined);
    for (let i = first; i < end; i++) {
      const chunk = await (next as Promise<Uint8Array>);
      next = i + 1 < end ? read(i + 1) : null;
      next?.catch(() => undefined);
      yield chunk;
    }
  }

  async #chunk(generation: number, refs: readonly ChunkRef[], i: number): Promise<Uint8Array> {
    const ref = refs[i] as ChunkRef;
    const tx = this.#transaction(CHUNKS, 'readonly');
    const bytes = await request(tx.objectStore(CHUNKS).get(ref.key));
    const where = `chunk ${i + 1} of ${refs.length} of generation ${generation}`;
    if (!(bytes instanceof Uint8Array)) {
      // Gone because a newer save dropped this generation while it was read?
      if (!(await this.#hasManifest(generation))) throw new Superseded();
      throw new VicinityError('INDEX_CORRUPTED', `${where} is missing`);
    }
    if (bytes.byteLength !== ref.byteLength) {
      throw new VicinityError(
        'INDEX_CORRUPTED',
        `${where} has ${bytes.byteLength} bytes, its manifest says ${ref.byteLength}`,
      );
    }
    if ((await sha256Hex(bytes)) !== ref.key) {
      throw new VicinityError('INDEX_CORRUPTED', `${where} fails its checksum`);
    }
    return bytes;
  }

  /** Writes a generation held whole in memory (see writeSnapshot). */
  async write(manifest: ManifestDraft, bytes: Uint8Array, keep: number | null): Promise<Manifest> {
    return (await this.writeSnapshot(manifest, [bufferSource(bytes)], keep)).manifest;
  }

  /**
   * Writes a generation: first each chunk of `parts` that the kept
   * generation does not hold already, each in its own transaction (each part
   * is cut into chunks from its own start, so the engine's chunks stay put
   * when the id map after them changes length); then, in
   * one transaction, the manifest (the commit point), the removal of every
   * older generation but `keep` and of every chunk neither lists. `keep` is
   * the generation the caller knows to verify (the one it opened or last
   * wrote), which stays as the fallback. Never a newer one that may be
   * damaged in its place: after a fallback, the damaged generation goes and
   * the intact one stays. Resolves once committed.
   */
  async writeSnapshot(
    draft: ManifestDraft,
    parts: readonly SnapshotSource[],
    keep: number | null,
  ): Promise<WrittenSnapshot> {
    const reusable = keep === null ? new Set<string>() : await this.#chunkKeysOf(keep);
    const refs: ChunkRef[] = [];
    let writtenBytes = 0;
    let writtenChunks = 0;
    let total = 0;
    const announced = parts.reduce((sum, part) => sum + part.byteLength, 0);
    try {
      for (const source of parts) {
        for (;;) {
          let bytes = source.read(this.#chunkBytes);
          if (bytes.byteLength === 0) break;
          // IndexedDB stores a view's whole buffer: store exactly the chunk.
          if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.byteLength)
            bytes = bytes.slice();
          const key = await sha256Hex(bytes);
          refs.push({ key, byteLength: bytes.byteLength });
          total += bytes.byteLength;
          if (reusable.has(key)) continue;
          // Strict, as the manifest: a browser may keep large values in files of
          // their own, which a later strict commit of another record need not flush.
          const tx = this.#transaction(CHUNKS, 'readwrite', { durability: 'strict' });
          const done = committed(tx);
          tx.objectStore(CHUNKS).put(bytes, key);
          await done;
          reusable.add(key);
          writtenBytes += bytes.byteLength;
          writtenChunks++;
        }
      }
    } finally {
      parts.forEach((part) => part.close());
    }
    if (total !== announced) {
      throw new VicinityError(
        'ENGINE_ERROR',
        `the snapshot gave ${total} bytes where it announced ${announced}`,
      );
    }
    const complete = await sealManifest({
      ...draft,
      byteLength: total,
      checksum: await sha256Hex(new TextEncoder().encode(refs.map((r) => r.key).join(''))),
      chunks: refs,
    });
    const older = (await this.generations()).filter((g) => g < complete.generation);
    // Records whose manifest was lost, and probes a closed tab left behind.
    const strays = (await this.#keys(SNAPSHOTS)).filter(
      (g) => g !== keep && g !== complete.generation && !older.includes(g),
    );
    const tx = this.#transaction([MANIFESTS, SNAPSHOTS, CHUNKS], 'readwrite', {
      durability: 'strict',
    });
    const done = committed(tx);
    const manifests = tx.objectStore(MANIFESTS);
    const snapshots = tx.objectStore(SNAPSHOTS);
    const chunks = tx.objectStore(CHUNKS);
    snapshots.put(new Uint8Array(0), complete.generation);
    manifests.put(complete, complete.generation);
    for (const generation of older) {
      if (generation === keep) continue;
      manifests.delete(generation);
      snapshots.delete(generation);
    }
    for (const generation of strays) snapshots.delete(generation);
    // Chunks that neither this generation nor the kept one lists go, in the same transaction.
    const listed = new Set(refs.map((r) => r.key));
    const kept = keep === null ? null : manifests.get(keep);
    const stored = chunks.getAllKeys();
    stored.onsuccess = () => {
      for (const key of chunkKeysIn(kept?.result)) listed.add(key);
      for (const key of stored.result) if (!listed.has(key as string)) chunks.delete(key);
    };
    await done;
    return { manifest: complete, writtenBytes, writtenChunks };
  }

  /** The chunk keys a stored generation lists (none for a format before 4, or a damaged list). */
  async #chunkKeysOf(generation: number): Promise<Set<string>> {
    const tx = this.#transaction(MANIFESTS, 'readonly');
    return new Set(chunkKeysIn(await request(tx.objectStore(MANIFESTS).get(generation))));
  }

  /**
   * Whether `bytes` more fit under the quota, found by committing a probe
   * record and deleting it. Used after a save failed for a reason the browser
   * did not name (an IDBFS sync that hits the quota just never calls back).
   */
  async hasRoomFor(bytes: number): Promise<boolean> {
    const probe = -1;
    try {
      const tx = this.#transaction(SNAPSHOTS, 'readwrite');
      tx.objectStore(SNAPSHOTS).put(incompressible(bytes), probe);
      await committed(tx);
    } catch (error) {
      if (error instanceof VicinityError && error.code === 'QUOTA_EXCEEDED') return false;
      throw error;
    }
    const cleanup = this.#transaction(SNAPSHOTS, 'readwrite');
    cleanup.objectStore(SNAPSHOTS).delete(probe);
    await committed(cleanup);
    return true;
  }

  close(): void {
    this.#db?.close();
  }
}

/** What a caller fills in of a manifest; the store adds the byte counts, checksums and chunk list. */
export type ManifestDraft = Omit<
  Manifest,
  'checksum' | 'byteLength' | 'manifestChecksum' | 'chunks'
>;

/** The chunk keys listed in a raw stored manifest, as far as they are well-formed. */
function chunkKeysIn(raw: unknown): string[] {
  const chunks = (raw as { chunks?: unknown } | null | undefined)?.chunks;
  if (!Array.isArray(chunks)) return [];
  return chunks
    .map((chunk: { key?: unknown } | null) => chunk?.key)
    .filter((key): key is string => typeof key === 'string');
}

/** Random bytes: a browser that compresses stored values cannot shrink them. */
function incompressible(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  return bytes;
}

export { storeDatabaseName };
