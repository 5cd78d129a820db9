import { VicinityError } from '../core/VicinityError.js';
import { sha256Hex } from './checksum.js';
import { GenerationReader, Superseded } from './GenerationReader.js';
import { deleteStoredIndex, listStoredIndexes, storeDatabaseName } from './storeCatalog.js';
import { committed, idbError, openDatabase, request } from '../util/idb.js';
import { parseManifest, sealManifest, type ChunkRef, type Manifest } from './Manifest.js';
import type {
  LoadedSnapshot,
  ManifestDraft,
  OpenedSnapshot,
  StoredSnapshot,
  WrittenSnapshot,
} from './snapshotTypes.js';
import { bufferSource, type SnapshotSource } from './SnapshotSource.js';
import { CHUNK_BYTES, CHUNKS, DB_VERSION, MANIFESTS, SNAPSHOTS } from './storeSchema.js';

/** How often a read starts over when a newer save removed the generation it was reading. */
const READ_ATTEMPTS = 5;

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
  /** Reads the stored generations through this connection. */
  readonly #reader = new GenerationReader((store, mode) => this.#transaction(store, mode));

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
        const value = await load({ manifest, chunks: this.#reader.chunksOf(manifest) });
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
