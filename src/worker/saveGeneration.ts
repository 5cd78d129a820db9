import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import type { SaveResult } from '../core/protocol.js';
import { encodeSidecar, type Sidecar } from '../engine/SnapshotCodec.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import { assertRoomFor } from '../storage/assertRoomFor.js';
import type { IndexStore } from '../storage/IndexStore.js';
import { FORMAT_VERSION } from '../storage/Manifest.js';
import { bufferSource, type SnapshotSource } from '../storage/SnapshotSource.js';
import type { TextIndex } from '../text/TextIndex.js';
import type { Generations } from './Generations.js';

/** The index a save writes: where it goes, and what it holds. */
export interface Saving {
  readonly name: string;
  readonly store: IndexStore;
  readonly collection: VectorCollection;
  readonly text: TextIndex;
}

export type Saved = Omit<SaveResult, 'workerMs'>;

/**
 * Writes the index as a new generation; the caller holds the index's Web
 * Lock. If another tab saved since this one opened or last saved, writing
 * would drop that tab's changes: CONFLICT instead.
 */
export async function saveGeneration(index: Saving, generations: Generations): Promise<Saved> {
  const { store, collection, text } = index;
  // The IDBFS scratch copy and the snapshot both need room.
  await assertRoomFor(2 * Math.max(generations.snapshotBytes, collection.estimatedBytes()));
  const newest = (await store.generations())[0] ?? -1;
  const base = generations.base;
  if (newest > base) {
    throw new VicinityError(
      'CONFLICT',
      `another tab saved generation ${newest} of "${index.name}" after this tab's ` +
        `${base < 0 ? 'start' : `generation ${base}`}; saving would drop its changes — reopen to take them`,
    );
  }
  const generation = Math.max(generations.current, newest + 1);
  await text.compact();
  const parts = await collection.snapshotParts(textSnapshot(text)).catch(async (error: unknown) => {
    // A sync that hit the quota never calls back: it surfaces as a timeout.
    if (error instanceof VicinityError && error.code === 'TIMEOUT') {
      const needed = collection.estimatedBytes();
      if (!(await store.hasRoomFor(needed).catch(() => true))) {
        throw new VicinityError(
          'QUOTA_EXCEEDED',
          `the storage quota cannot hold a snapshot of about ${needed} bytes`,
          { cause: error },
        );
      }
    }
    throw toVicinityError(error, 'STORAGE_ERROR', 'serializing the index');
  });
  // The generation this one grew from verified when it was opened (or was
  // written here): it stays as the fallback, whatever is newer.
  return writeGeneration(store, collection, generations, generation, parts, generations.saved);
}

/** Writes an imported index as generation 1, if no tab saved under its name meanwhile. */
export async function saveImported(
  index: Omit<Saving, 'collection' | 'text'>,
  generations: Generations,
  collection: VectorCollection,
  engineBytes: Uint8Array,
  sidecar: Sidecar,
): Promise<Saved> {
  const { name, store } = index;
  const newest = (await store.generations())[0];
  if (newest !== undefined) {
    throw new VicinityError(
      'CONFLICT',
      `another tab saved generation ${newest} of "${name}" during the import; nothing was imported`,
    );
  }
  const json = encodeSidecar(sidecar);
  await assertRoomFor(engineBytes.byteLength + json.byteLength);
  const parts = [bufferSource(engineBytes), bufferSource(json)] as const;
  return writeGeneration(store, collection, generations, 1, parts, null);
}

/**
 * Stores the snapshot `parts` (engine, sidecar) of `collection` as
 * `generation`, with its manifest, keeping `keep` (and whatever is newer)
 * as the fallback; then counts it as what the index holds.
 */
async function writeGeneration(
  store: IndexStore,
  collection: VectorCollection,
  generations: Generations,
  generation: number,
  parts: readonly [engine: SnapshotSource, sidecar: SnapshotSource],
  keep: number | null,
): Promise<Saved> {
  const { manifest, writtenBytes } = await store.writeSnapshot(
    {
      format: FORMAT_VERSION,
      engine: collection.engine.kind,
      engineFormat: 'hnswlib-wasm32',
      ...collection.params,
      count: collection.size,
      generation,
      engineByteLength: parts[0].byteLength,
      savedAt: Date.now(),
    },
    parts,
    keep,
  );
  generations.stored(manifest);
  return {
    generation: manifest.generation,
    byteLength: manifest.byteLength,
    size: collection.size,
    wrote: true,
    checksum: manifest.checksum,
    writtenBytes,
  };
}

/** The text index as saved: absent while it holds no text, so that snapshots without text stay as they were. */
export function textSnapshot(text: TextIndex): unknown {
  return text.size === 0 ? undefined : text.toSnapshot();
}
