/**
 * Reading one stored generation's bytes for IndexStore: the chunks of
 * format 4, each verified against the manifest, or the single record of an
 * older format, verified whole.
 */
import { VicinityError } from '../core/VicinityError.js';
import { sha256Hex } from './checksum.js';
import { request } from '../util/idb.js';
import type { ChunkRef, Manifest } from './Manifest.js';
import type { StoredSnapshot } from './snapshotTypes.js';
import { CHUNK_BYTES, CHUNKS, MANIFESTS, SNAPSHOTS } from './storeSchema.js';

/** A chunk vanished because a newer save removed the generation being read: read anew. */
export class Superseded extends Error {}

/** Starts a transaction on the store's live connection; a failure to start one is a VicinityError. */
export type OpenTransaction = (stores: string, mode: IDBTransactionMode) => IDBTransaction;

/** Reads generations through a store's connection (see IndexStore.readLatestWith). */
export class GenerationReader {
  readonly #transaction: OpenTransaction;

  constructor(transaction: OpenTransaction) {
    this.#transaction = transaction;
  }

  /** Reads ranges of one generation's bytes (see StoredSnapshot.chunks). */
  chunksOf(manifest: Manifest): StoredSnapshot['chunks'] {
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

  async #hasManifest(generation: number): Promise<boolean> {
    const tx = this.#transaction(MANIFESTS, 'readonly');
    return (await request(tx.objectStore(MANIFESTS).getKey(generation))) !== undefined;
  }
}
