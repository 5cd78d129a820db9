import { VicinityError } from '../errors/VicinityError.js';
import { sha256Hex } from './checksum.js';
import { committed, deleteDatabase, idbError, openDatabase, request } from './idb.js';
import { parseManifest, sealManifest, type Manifest } from './Manifest.js';

const DB_VERSION = 1;
const MANIFESTS = 'manifests';
const SNAPSHOTS = 'snapshots';

/** IndexedDB database that holds one index's generations. */
export function storeDatabaseName(name: string): string {
  return `vicinity:${name}`;
}

export interface LoadedSnapshot {
  readonly manifest: Manifest;
  readonly bytes: Uint8Array;
  /** Set when a newer generation was unreadable and this older one was opened. */
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  /** The format it was stored in, when older than the current one (it was migrated on read). */
  readonly migratedFrom: number | null;
}

/**
 * Versioned snapshots of one index in the project's own IndexedDB database.
 * A generation's bytes and manifest are written in one transaction; the
 * generation before it stays until a newer one has committed, so a reader
 * always finds one intact snapshot, and a corrupt newest one falls back.
 */
export class IndexStore {
  readonly #name: string;
  #db: IDBDatabase | null = null;
  /** Set once another tab deleted or upgraded the database under this connection. */
  #lost: VicinityError | null = null;

  private constructor(name: string) {
    this.#name = name;
  }

  static async open(name: string): Promise<IndexStore> {
    const store = new IndexStore(name);
    store.#db = await openDatabase(
      storeDatabaseName(name),
      DB_VERSION,
      (database) => {
        if (!database.objectStoreNames.contains(MANIFESTS)) database.createObjectStore(MANIFESTS);
        if (!database.objectStoreNames.contains(SNAPSHOTS)) database.createObjectStore(SNAPSHOTS);
      },
      (newVersion) => store.#letGo(newVersion),
    );
    // A database of this name at this version that lacks the stores was not
    // made by vicinity (or was emptied by hand): it holds no readable index.
    const names = store.#db.objectStoreNames;
    if (!names.contains(MANIFESTS) || !names.contains(SNAPSHOTS)) {
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
    return deleteDatabase(storeDatabaseName(name));
  }

  /** Names of the indexes stored in this origin. */
  static async list(): Promise<string[]> {
    const prefix = storeDatabaseName('');
    const databases = await indexedDB.databases();
    return databases
      .map((db) => db.name ?? '')
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
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
   * The newest generation whose manifest, length and checksum verify, or null
   * when nothing was ever saved. Throws INDEX_CORRUPTED when snapshots exist
   * but none verifies.
   */
  async readLatest(): Promise<LoadedSnapshot | null> {
    const generations = await this.generations();
    // Snapshot bytes newer than every manifest: that generation's manifest was lost.
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
        const { manifest, migratedFrom, bytes } = await this.#readVerified(generation);
        return { manifest, bytes, recoveredFrom: failure, migratedFrom };
      } catch (error) {
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

  async #readVerified(
    generation: number,
  ): Promise<{ manifest: Manifest; migratedFrom: number | null; bytes: Uint8Array }> {
    const tx = this.#transaction([MANIFESTS, SNAPSHOTS], 'readonly');
    const [rawManifest, rawBytes] = await Promise.all([
      request(tx.objectStore(MANIFESTS).get(generation)),
      request(tx.objectStore(SNAPSHOTS).get(generation)),
    ]);
    const { manifest, migratedFrom } = await parseManifest(rawManifest);
    if (manifest.generation !== generation) {
      throw new VicinityError(
        'INDEX_CORRUPTED',
        `manifest of ${generation} names ${manifest.generation}`,
      );
    }
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
    return { manifest, migratedFrom, bytes: rawBytes };
  }

  /**
   * Writes a generation and its manifest in one transaction and, in the same
   * transaction, drops every older one but `keep`: the generation the caller
   * knows to verify (the one it opened or last wrote), which stays as the
   * fallback. Never a newer one that may be damaged in its place: after a
   * fallback, the damaged generation goes and the intact one stays.
   * Resolves once committed.
   */
  async write(
    manifest: Omit<Manifest, 'checksum' | 'byteLength' | 'manifestChecksum'>,
    bytes: Uint8Array,
    keep: number | null,
  ): Promise<Manifest> {
    const complete = await sealManifest({
      ...manifest,
      byteLength: bytes.byteLength,
      checksum: await sha256Hex(bytes),
    });
    const older = (await this.generations()).filter((g) => g < complete.generation);
    // Bytes whose manifest was lost, and probes a closed tab left behind.
    const strays = (await this.#keys(SNAPSHOTS)).filter(
      (g) => g !== keep && g !== complete.generation && !older.includes(g),
    );
    const tx = this.#transaction([MANIFESTS, SNAPSHOTS], 'readwrite', { durability: 'strict' });
    const done = committed(tx);
    const manifests = tx.objectStore(MANIFESTS);
    const snapshots = tx.objectStore(SNAPSHOTS);
    snapshots.put(bytes, complete.generation);
    manifests.put(complete, complete.generation);
    for (const generation of older) {
      if (generation === keep) continue;
      manifests.delete(generation);
      snapshots.delete(generation);
    }
    for (const generation of strays) snapshots.delete(generation);
    await done;
    return complete;
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

/** Random bytes: a browser that compresses stored values cannot shrink them. */
function incompressible(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  return bytes;
}
