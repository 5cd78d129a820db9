/**
 * The contract between the page and the index worker. Type-only: the page
 * derives its remote type from `EngineApi` with `Comlink.Remote`, never by hand.
 */
import type { ProxyMarked } from 'comlink';
// EngineChoice comes from Engine.ts, not chooseEngine.ts: the public .d.ts
// reach this module, and chooseEngine's loader types would pull in
// hnswlib-wasm's own .d.ts, which do not compile without skipLibCheck.
import type { EngineChoice, EngineKind, EngineParams } from '../engine/Engine.js';
import type { RawHit, SearchRequest } from '../engine/VectorCollection.js';
import type { MemoryStats, Metadata, Metric, Quantization } from '../types.js';
import type { TextRequest } from '../search/searchMode.js';
import type { TextConfig } from '../text/TextIndex.js';

export type { RawHit, SearchRequest, EngineParams, EngineKind, EngineChoice };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string) => void;

export interface OpenRequest {
  readonly name: string;
  /** Build parameters the caller set; undefined ones come from storage or defaults. */
  readonly dimensions: number | undefined;
  readonly metric: Metric | undefined;
  readonly M: number | undefined;
  readonly efConstruction: number | undefined;
  readonly quantization: Quantization | undefined;
  readonly efSearch: number | undefined;
  readonly defaults: {
    readonly metric: Metric;
    readonly M: number;
    readonly efConstruction: number;
    readonly quantization: Quantization;
    readonly efSearch: number;
  };
  readonly initialCapacity: number;
  readonly engine: EngineChoice;
  /** A ceiling on the engine's WASM heap, below its build's own. */
  readonly maxMemoryBytes?: number | undefined;
  /** How text is indexed, when the caller set it; otherwise as saved, or the default. */
  readonly text?: TextConfig | undefined;
}

export interface OpenResult {
  readonly params: EngineParams;
  readonly efSearch: number;
  readonly size: number;
  readonly generation: number;
  readonly created: boolean;
  /** SHA-256 of the snapshot opened: names its content (null for a new index). */
  readonly checksum: string | null;
  /** How the index's text is indexed (absent from an import's answer: the default). */
  readonly text?: TextConfig;
}

/** A worker's answer with the time the worker spent computing it (not queueing, not transfer). */
export interface Timed<T> {
  readonly value: T;
  readonly workerMs: number;
}

export interface MutationResult {
  /** The worker's own compute time. */
  readonly workerMs: number;
  readonly size: number;
  readonly generation: number;
  /** Items added, replaced or removed. */
  readonly changed: number;
}

export interface SaveResult {
  /** The worker's own time, waiting for the lock included. */
  readonly workerMs: number;
  readonly generation: number;
  readonly byteLength: number;
  /** Live vectors in the generation saved. */
  readonly size: number;
  /** False when nothing changed since the last save. */
  readonly wrote: boolean;
  /** Bytes of chunks written: those the last saved generation did not hold already. */
  readonly writtenBytes: number;
  /** SHA-256 of the snapshot now in storage: names its content. */
  readonly checksum: string;
}

export interface WorkerStats {
  readonly engine: EngineKind;
  readonly params: EngineParams;
  readonly efSearch: number;
  readonly size: number;
  readonly deleted: number;
  readonly capacity: number;
  readonly generation: number;
  readonly savedGeneration: number | null;
  readonly unsavedChanges: number;
  readonly wasmMemoryBytes: number;
  readonly memory: MemoryStats;
  readonly snapshotBytes: number;
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
}

/** A copy of an index's state for a read-only replica; `bytes` is transferred. */
export interface ReplicaSnapshot {
  readonly kind: EngineKind;
  readonly params: EngineParams;
  readonly efSearch: number;
  readonly generation: number;
  readonly bytes: Uint8Array;
  readonly engineByteLength: number;
}

/** Starts an import into a worker that has just created the (empty, unsaved) index. */
export interface ImportRequest {
  /** Bytes of the native file, when the source says; null when it does not. */
  readonly totalBytes: number | null;
}

/**
 * A slice of the ids or metadata of an imported file, by hnswlib label, sent
 * in parts so that no one message (and no one task of the page) grows with
 * the index. Null: none for that label.
 */
export interface LabelPart<T> {
  /** The label of each value, or the first of consecutive ones. */
  readonly labels: Float64Array | number;
  readonly values: readonly (T | null)[];
}

/** Source bytes the worker has converted so far. */
export interface ImportProgress {
  readonly loadedBytes: number;
  /** Null when the source does not say how long it is. */
  readonly totalBytes: number | null;
}

/** The index as imported, saved as its first generation. */
export interface ImportResult extends OpenResult {
  /** The worker's own time for the last step: checking, loading and saving. */
  readonly workerMs: number;
  readonly byteLength: number;
  readonly checksum: string;
}

/**
 * An index in native hnswlib's layout (64-bit size_t), for hnswlib-node's
 * `readIndex` or Python's `load_index`. Each element is labelled by its
 * position: `ids[label]` is its id, null where the element is marked deleted.
 */
export interface NativeExport {
  readonly hnswlib: Uint8Array;
  readonly ids: (string | null)[];
  /** Metadata by label, null where there is none. */
  readonly metadata: (Metadata | null)[];
  readonly metric: Metric;
  readonly dimensions: number;
}

/** What answers searches: the index worker, and read-only copies of it. */
export interface SearchApi {
  search(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>>;
  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>>;
}

/** A read-only copy in another worker: it answers searches, nothing else. */
export interface ReplicaApi extends SearchApi {
  load(snapshot: ReplicaSnapshot): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a worker exposes: the index, or a replica of one (a worker is one or
 * the other). Both are Comlink proxies, so that `remote.index.open()` is a
 * call into the worker.
 */
export interface WorkerApi {
  readonly index: EngineApi & ProxyMarked;
  readonly replica: ReplicaApi & ProxyMarked;
}

export interface EngineApi extends SearchApi {
  setLogSink(sink: LogSink | undefined): void;
  open(request: OpenRequest): Promise<OpenResult>;
  upsert(
    ids: string[],
    vectors: Float32Array,
    metadata: (Metadata | undefined)[],
    texts?: (string | undefined)[],
  ): Promise<MutationResult>;
  /** Text or hybrid queries: one text each, and for hybrid their vectors, packed. */
  searchText(
    texts: string[],
    vectors: Float32Array | null,
    request: SearchRequest,
    mode: TextRequest,
  ): Promise<Timed<RawHit[][]>>;
  remove(ids: string[]): Promise<MutationResult>;
  setEfSearch(ef: number): Promise<void>;
  /** The true nearest neighbours among a slice of the items, by comparing each (for recall estimates). */
  exactSearchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
    range: { offset: number; limit: number },
  ): Promise<Timed<RawHit[][]>>;
  save(): Promise<SaveResult>;
  exportSnapshot(): Promise<ReplicaSnapshot>;
  stats(): Promise<WorkerStats>;
  close(): Promise<void>;
  /** Starts an import; only into an index this worker created and nothing was written to. */
  importBegin(request: ImportRequest): Promise<void>;
  /** The next ids of the file's labels. */
  importIds(part: LabelPart<string>): Promise<void>;
  /** The next metadata of the file's labels. */
  importMetadata(part: LabelPart<Metadata>): Promise<void>;
  /** The next bytes of the native file, transferred; converted as they arrive. */
  importChunk(chunk: Uint8Array): Promise<ImportProgress>;
  /** Checks the whole file against the ids, loads it and saves it as the index's first generation. */
  importEnd(): Promise<ImportResult>;
  /** The index in native hnswlib's layout, with the id of each label. */
  exportNative(): Promise<NativeExport>;
}
