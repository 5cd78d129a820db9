import { VicinityError } from '../core/VicinityError.js';
import { BUILD_DEFAULTS } from '../core/defaults.js';
import { assertSameBuild } from '../core/buildParams.js';
import { assertQuantizable } from '../core/engineChoice.js';
import type { EngineParams, LogLevel, OpenRequest, WorkerStats } from '../core/protocol.js';
import type { EngineKind } from '../core/types.js';
import type { EngineFactories } from '../engine/Engine.js';
import { createEngine, loadEngineFromChunks, resolveEngine } from '../engine/chooseEngine.js';
import { decodeSidecar } from '../engine/SnapshotCodec.js';
import { VectorCollection } from '../engine/VectorCollection.js';
import type { IndexStore } from '../storage/IndexStore.js';
import type { StoredSnapshot } from '../storage/snapshotTypes.js';
import type { Manifest } from '../storage/Manifest.js';
import { gather } from '../storage/SnapshotSource.js';
import { openText } from '../text/openText.js';
import type { TextIndex } from '../text/TextIndex.js';

/** An index as opened in the worker: from storage, or new. */
export interface OpenedIndex {
  readonly collection: VectorCollection;
  readonly text: TextIndex;
  /** The generation read, or null for a new index. */
  readonly stored: {
    readonly manifest: Manifest;
    readonly recoveredFrom: WorkerStats['recoveredFrom'];
    readonly migratedFrom: number | null;
  } | null;
}

/**
 * Opens the newest stored generation that reads back whole (an older one
 * when the newest fails), or creates the index when none is stored and the
 * request says its dimensions; NOT_FOUND otherwise.
 */
export async function openIndex(
  engines: EngineFactories,
  request: OpenRequest,
  store: IndexStore,
): Promise<OpenedIndex> {
  const kind = resolveEngine(request.engine, engines);
  // A chunk or engine bytes that fail fall back to the older generation (see readLatestWith).
  const opened = await store.readLatestWith((stored) => loadStored(engines, request, kind, stored));
  if (opened) {
    const { manifest, value, recoveredFrom, migratedFrom } = opened;
    return { ...value, stored: { manifest, recoveredFrom, migratedFrom } };
  }
  if (request.dimensions === undefined) {
    throw new VicinityError(
      'NOT_FOUND',
      `index "${request.name}" does not exist; pass dimensions to create it`,
    );
  }
  const params: EngineParams = {
    dimensions: request.dimensions,
    metric: request.metric ?? BUILD_DEFAULTS.metric,
    M: request.M ?? BUILD_DEFAULTS.M,
    efConstruction: request.efConstruction ?? BUILD_DEFAULTS.efConstruction,
    quantization: request.quantization ?? BUILD_DEFAULTS.quantization,
  };
  assertQuantizable(kind, params.quantization);
  const engine = await createEngine(engines, kind, {
    params,
    capacity: request.initialCapacity,
    indexName: request.name,
  });
  const efSearch = request.efSearch ?? BUILD_DEFAULTS.efSearch;
  const collection = new VectorCollection(engine, params, efSearch);
  return { collection, text: openText(request.text, undefined, collection), stored: null };
}

/**
 * One stored generation as a collection: the id map first (its own
 * chunks, after the engine's), then the engine's chunks straight into the
 * engine. Throws, leaving nothing behind, when any of it fails.
 */
async function loadStored(
  engines: EngineFactories,
  request: OpenRequest,
  kind: EngineKind,
  { manifest, chunks }: StoredSnapshot,
): Promise<{ collection: VectorCollection; text: TextIndex }> {
  assertSameBuild(request.name, request, manifest);
  const params: EngineParams = {
    dimensions: manifest.dimensions,
    metric: manifest.metric,
    M: manifest.M,
    efConstruction: manifest.efConstruction,
    quantization: manifest.quantization,
  };
  assertQuantizable(kind, params.quantization);
  const { byteLength, engineByteLength } = manifest;
  const sidecar = decodeSidecar(
    await gather(chunks(engineByteLength, byteLength), byteLength - engineByteLength),
  );
  if (sidecar.ids.length !== manifest.count) {
    throw new VicinityError('INDEX_CORRUPTED', 'the id map does not match the manifest count');
  }
  const capacity = Math.max(request.initialCapacity, sidecar.nextLabel, manifest.count);
  const engine = await loadEngineFromChunks(
    engines,
    kind,
    { params, capacity, indexName: request.name },
    engineByteLength,
    chunks(0, engineByteLength),
  );
  try {
    const efSearch = request.efSearch ?? sidecar.efSearch;
    const collection = new VectorCollection(engine, params, efSearch, sidecar);
    return { collection, text: openText(request.text, sidecar.text, collection) };
  } catch (error) {
    await engine.dispose().catch(() => undefined);
    throw error;
  }
}

/** What a log is told of a generation opened: an older format, or a newer generation that failed. */
export function openedNotes(
  manifest: Manifest,
  { recoveredFrom, migratedFrom }: NonNullable<OpenedIndex['stored']>,
): [LogLevel, string][] {
  const notes: [LogLevel, string][] = [];
  const { generation, format } = manifest;
  if (migratedFrom !== null) {
    notes.push([
      'info',
      `generation ${generation} is in format ${migratedFrom}; the next save writes format ${format}`,
    ]);
  }
  if (recoveredFrom) {
    notes.push([
      'warn',
      `generation ${recoveredFrom.generation} unreadable (${recoveredFrom.reason}); opened ${generation}`,
    ]);
  }
  return notes;
}
