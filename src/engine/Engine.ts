import type { SnapshotSource } from '../storage/SnapshotSource.js';
import type { EngineKind } from '../core/types.js';
import type { EngineParams } from '../core/protocol.js';

export interface BatchResult {
  readonly labels: Uint32Array;
  /** As the engine computes them: 1 - dot for cosine and ip, squared L2 for l2. */
  readonly distances: Float32Array;
  readonly counts: Uint32Array;
}

/**
 * An HNSW implementation behind labels (uint32) and raw vectors. Ids,
 * metadata and filters live above it; storage sees only the bytes of
 * `serialize()`.
 */
export interface Engine {
  readonly kind: EngineKind;
  /** Slots allocated, live and deleted. */
  capacity(): number;
  /** Slots in use, live and deleted. */
  count(): number;
  resize(capacity: number): void;
  /** Adds or, for a live label, replaces. `reuseDeleted` may overwrite a deleted slot. */
  add(vector: Float32Array, label: number, reuseDeleted: boolean): void;
  markDeleted(label: number): void;
  /** `count` queries packed in one array; query q's hits are at q * k, `counts[q]` of them. */
  searchBatch(
    queries: Float32Array,
    count: number,
    k: number,
    accept?: (label: number) => boolean,
  ): BatchResult;
  setEf(ef: number): void;
  getVector(label: number): Float32Array;
  serialize(): Promise<Uint8Array>;
  /**
   * The bytes of `serialize()` a window at a time, without a full copy; the
   * index must not change until the source is closed. Engines without it
   * are serialized whole.
   */
  serializeStream?(): SnapshotSource;
  memoryBytes(): number;
  dispose(): Promise<void>;
}

/** What an engine is created or loaded with. */
export interface EngineContext {
  readonly params: EngineParams;
  readonly capacity: number;
  /** The index's name: an engine that keeps files of its own names them after it. */
  readonly indexName: string;
}

/** Makes engines of one kind: what a worker entry passes in, so that it bundles only that kind. */
export interface EngineFactory {
  create(context: EngineContext): Promise<Engine>;
  /** Both engines read hnswlib's wasm32 layout, so either reads what the other saved. */
  load(context: EngineContext, bytes: Uint8Array): Promise<Engine>;
  /**
   * A load fed `byteLength` bytes in order, each piece going straight into
   * the engine's memory. Factories without it get the bytes whole (`load`).
   */
  loadStream?(context: EngineContext, byteLength: number): Promise<EngineLoad>;
}

/** A load under way (see EngineFactory.loadStream). */
export interface EngineLoad {
  /** The next bytes; malformed ones throw INDEX_CORRUPTED. */
  feed(bytes: Uint8Array): void;
  /** Checks the whole, as `load` does, and returns the engine. */
  finish(): Engine;
  /** Frees what the load holds; after a failure, or instead of finish. */
  abort(): void;
}

/** The engines one worker has, by kind. */
export type EngineFactories = Readonly<Partial<Record<EngineKind, EngineFactory>>>;
