/**
 * The contract between the page and the index worker. Type-only: the page
 * derives its remote type from `WorkerApi<ProxyMarked>` with `Comlink.Remote`, never by
 * hand. Comlink's marker is a parameter, so that this module imports nothing.
 */
import type {
  EngineChoice,
  EngineKind,
  Filter,
  HitRanks,
  MemoryStats,
  Metadata,
  Metric,
  Quantization,
} from './types.js';

/** Build parameters fixed when an index is created. */
export interface EngineParams {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly M: number;
  readonly efConstruction: number;
  /** float32 (`none`) or int8 codes; only the SIMD engine has int8. */
  readonly quantization: Quantization;
}

/** A hit as the worker returns it; the page adds nothing but may drop metadata. */
export interface RawHit {
  id: string;
  score: number;
  distance: number;
  metadata?: Metadata;
  /** Text and hybrid searches: the rank of the hit on each side. */
  ranks?: HitRanks;
}

export interface SearchRequest {
  readonly k: number;
  readonly filter?: Filter;
  readonly efSearch?: number;
}

/**
 * Fusion of the ranked lists of the two sides of a hybrid search.
 *
 * - `rrf` (the default): reciprocal rank fusion (Cormack, Clarke and
 *   Büttcher, SIGIR 2009), score = Σ over the sides that found the item of
 *   1 / (k + rank), ranks from 1, k = 60 as in the paper. It needs no
 *   comparable scores, only ranks.
 * - `weighted`: as Orama's hybrid search, each side's scores divided by that
 *   side's best score (max-normalised, so the best of each side is 1), then
 *   `vector · weight + text · weight`; a side that did not find an item adds 0.
 */
export type Fusion =
  | { readonly method: 'rrf'; readonly k: number }
  | { readonly method: 'weighted'; readonly vector: number; readonly text: number };

/** What the worker needs besides k, filter and efSearch for a text or hybrid search. */
export interface TextRequest {
  readonly mode: 'text' | 'hybrid';
  readonly fusion: Fusion;
  /** Candidates each side returns before fusion (at least k). */
  readonly candidates: number;
}

/**
 * The built-in tokenizers, by name: names, not functions, because the text
 * index runs in the worker and a function cannot cross to it (nor be saved
 * with the index). A page that needs its own tokenisation passes a function
 * as `text.tokenizer`; it runs on the page, over item text and query text,
 * and the worker indexes its tokens as they are (`'pretokenized'`).
 *
 * - `english`: lower case, words of letters and digits (Unicode), English
 *   stop words dropped, Porter stemming (`stemmer`), so that "leaves" and
 *   "leaf", "falling" and "fall" meet.
 * - `simple`: lower case words, nothing dropped, nothing stemmed.
 */
export type TokenizerName = 'english' | 'simple';

/** What the worker is told: a built-in name, or tokens made on the page. */
export type StoredTokenizer = TokenizerName | 'pretokenized';

export const TOKENIZER_NAMES: readonly StoredTokenizer[] = ['english', 'simple', 'pretokenized'];

/** What decides how text is indexed; saved with the index, fixed once created. */
export interface TextConfig {
  /** Metadata fields indexed beside the item's `text`, top-level names. */
  readonly fields: readonly string[];
  readonly tokenizer: StoredTokenizer;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string) => void;

export interface OpenRequest {
  readonly name: string;
  /** Build parameters the caller set; undefined ones come from storage, or BUILD_DEFAULTS for a new index. */
  readonly dimensions: number | undefined;
  readonly metric: Metric | undefined;
  readonly M: number | undefined;
  readonly efConstruction: number | undefined;
  readonly quantization: Quantization | undefined;
  readonly efSearch: number | undefined;
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
  /** Changes since the last save, and the generation storage holds (null: none). */
  readonly unsaved: number;
  readonly savedGeneration: number | null;
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
  readonly name: string;
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

/** What answers searches in a worker: the index, and read-only copies of it. */
export interface BatchSearchApi {
  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>>;
}

/** What the page searches through (see searchWire.ts). */
export interface SearchApi extends BatchSearchApi {
  search(query: Float32Array, request: SearchRequest): Promise<Timed<RawHit[]>>;
  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>>;
}

/** A read-only copy in another worker: it answers searches, nothing else. */
export interface ReplicaApi extends BatchSearchApi {
  load(snapshot: ReplicaSnapshot): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a worker exposes: the index, or a replica of one (a worker is one or
 * the other). Both are Comlink proxies, so that `remote.index.open()` is a
 * call into the worker.
 */
export interface WorkerApi<Marked = unknown> {
  readonly index: IndexServiceApi & Marked;
  readonly replica: ReplicaApi & Marked;
}

export interface IndexServiceApi extends BatchSearchApi {
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
  setEfSearch(ef: number): Promise<MutationResult>;
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
