/**
 * The page side of \`VectorIndex.import\`: what it takes, and the file, ids
 * and metadata cut into parts that cross to the worker without a long task.
 */
import { transfer } from 'comlink';
import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import { headerBytes, readHeader } from '../native/nativeLayout.js';
import { storedGenerations } from '../storage/storeCatalog.js';
import type { Metadata, Metric } from '../core/types.js';
import { nextTask } from '../util/nextTask.js';
import { assertId } from '../validation/validateInput.js';
import { assertMetadata, copyPlainData } from '../validation/plainData.js';
import type { ImportProgress, ImportResult, LabelPart } from '../core/protocol.js';
import { PageHealth } from '../monitor/PageHealth.js';
import { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import { PER_VECTOR_SAVE_MS } from './allowances.js';
import { PrimaryWorker } from './PrimaryWorker.js';
import {
  openRequest,
  resolveOptions,
  type ResolvedOptions,
  type VectorIndexOptions,
} from './resolveOptions.js';

/**
 * Bytes of a native index file per message to the worker: small enough that
 * copying one on the page takes well under a millisecond and progress moves
 * often, large enough that the hop (about 0.1 ms) is a small share.
 */
const IMPORT_CHUNK_BYTES = 1 << 20;
/**
 * Ids or metadata checked and sent per part, between which the page yields:
 * checking and copying a million ids took about 0.4 s in one piece (Node 20).
 */
const LABEL_PART = 10_000;

/**
 * hnswlib label → id of an index file being imported: `ids[label]`, or a
 * Map for labels that are not 0 … count − 1. An element marked deleted in
 * the file needs no id (null, or no entry).
 */
export type LabelIds = readonly (string | null | undefined)[] | ReadonlyMap<number, string>;

/** hnswlib label → metadata, keyed like LabelIds. */
export type LabelMetadata =
  readonly (Metadata | null | undefined)[] | ReadonlyMap<number, Metadata>;

/** What `VectorIndex.import` takes: the file, its ids, and the open options. */
export interface ImportOptions extends Omit<
  VectorIndexOptions,
  'dimensions' | 'metric' | 'M' | 'efConstruction'
> {
  /**
   * An index file as native hnswlib's `saveIndex` wrote it (Python
   * `hnswlib`'s `save_index`, hnswlib-node's `writeIndex`): its bytes, a
   * Blob (a File), a Response, or a URL to fetch. M and efConstruction come
   * from the file.
   */
  hnswlib: ArrayBuffer | ArrayBufferView | Blob | Response | string | URL;
  /**
   * The id of each hnswlib label: `ids[label]`, or a Map of label → id when
   * the labels are not 0 … count − 1. Every live element needs one; an
   * element marked deleted needs none; an id for a label the file lacks is
   * refused.
   */
  ids: LabelIds;
  /** Metadata of each label, keyed like `ids`. */
  metadata?: LabelMetadata;
  /** The space the file was built in (hnswlib does not record it). */
  metric: Metric;
  /** Checked against the file. */
  dimensions: number;
  /** Told after each part of the file has been converted in the worker. */
  onProgress?: (progress: ImportProgress) => void;
}

/** Fails with CONFLICT when a generation of `name` is stored (an empty database left by a failed open is not one). */
export async function assertNotStored(name: string): Promise<void> {
  const newest = (await storedGenerations(name))[0];
  if (newest !== undefined) {
    throw new VicinityError(
      'CONFLICT',
      `index "${name}" exists (generation ${newest}); import under another name, or delete it first`,
    );
  }
}

/** A label as a Map key: what hnswlib's size_t labels are, within what JavaScript names exactly. */
function assertLabel(label: unknown, what: string): asserts label is number {
  if (typeof label !== 'number' || !Number.isSafeInteger(label) || label < 0) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${what}: a label is a non-negative integer, got ${String(label)}`,
    );
  }
}

/**
 * Checks ids or metadata by label and copies them into parts of LABEL_PART
 * entries: the copies are what crosses to the worker, so that a change the
 * caller makes later cannot reach it. Yields to the page between parts.
 */
export async function labelParts<T>(
  entries: unknown,
  what: 'ids' | 'metadata',
  check: (value: unknown, where: string) => T,
): Promise<LabelPart<T>[]> {
  const parts: LabelPart<T>[] = [];
  const copied = (values: (T | null)[]) =>
    what === 'metadata'
      ? copyPlainData(values, 'INVALID_METADATA', () => `a part of ${what}`)
      : values;
  if (entries instanceof Map) {
    let labels: number[] = [];
    let values: (T | null)[] = [];
    const flush = async () => {
      parts.push({ labels: Float64Array.from(labels), values: copied(values) });
      labels = [];
      values = [];
      await nextTask();
    };
    for (const [label, value] of entries as Map<unknown, unknown>) {
      assertLabel(label, what);
      labels.push(label);
      values.push(
        value === null || value === undefined ? null : check(value, `${what}.get(${label})`),
      );
      if (labels.length === LABEL_PART) await flush();
    }
    if (labels.length > 0) await flush();
    return parts;
  }
  if (!Array.isArray(entries)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `${what} must be an array (${what}[label]) or a Map of label → ${what === 'ids' ? 'id' : 'metadata'}`,
    );
  }
  const list = entries as readonly unknown[];
  for (let start = 0; start < list.length; start += LABEL_PART) {
    const values: (T | null)[] = [];
    for (let label = start; label < Math.min(list.length, start + LABEL_PART); label++) {
      // A hole reads as undefined: none, as for a deleted element.
      const value = list[label];
      values.push(value === null || value === undefined ? null : check(value, `${what}[${label}]`));
    }
    parts.push({ labels: start, values: copied(values) });
    await nextTask();
  }
  return parts;
}

/** The bytes of an index file, in parts of IMPORT_CHUNK_BYTES, each a copy the caller does not hold. */
interface ImportSource {
  /** Null when the source does not say (a compressed or chunked response). */
  readonly totalBytes: number | null;
  readonly chunks: AsyncGenerator<Uint8Array, void>;
  /** Stops reading, when the import fails part way. */
  cancel(): void;
}

export async function openSource(source: ImportOptions['hnswlib']): Promise<ImportSource> {
  if (typeof source === 'string' || source instanceof URL) {
    let response: Response;
    try {
      response = await fetch(source);
    } catch (error) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `cannot fetch ${String(source)}: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    return openSource(response);
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `the index file's response has status ${source.status} ${source.statusText}`.trim(),
      );
    }
    if (source.bodyUsed) {
      throw new VicinityError('INVALID_OPTIONS', "the index file's response was read already");
    }
    // Content-Length counts the bytes as sent: compressed ones, if they were.
    const encoding = source.headers.get('content-encoding');
    const length = Number(source.headers.get('content-length') ?? NaN);
    const known = (!encoding || encoding === 'identity') && Number.isSafeInteger(length);
    return streamed(source.body, known ? length : null);
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return streamed(source.stream(), source.size);
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes =
      source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    let stopped = false;
    async function* slices() {
      // Copies: what is transferred to the worker must not be the caller's buffer.
      for (let at = 0; at < bytes.byteLength && !stopped; at += IMPORT_CHUNK_BYTES) {
        yield bytes.slice(at, at + IMPORT_CHUNK_BYTES);
      }
    }
    return {
      totalBytes: bytes.byteLength,
      chunks: slices(),
      cancel: () => {
        stopped = true;
      },
    };
  }
  throw new VicinityError(
    'INVALID_OPTIONS',
    'hnswlib must be an ArrayBuffer, a Uint8Array, a Blob, a Response or a URL',
  );
}

/** A byte stream regrouped into parts of IMPORT_CHUNK_BYTES (the last one shorter). */
function streamed(
  body: ReadableStream<Uint8Array> | null,
  totalBytes: number | null,
): ImportSource {
  const reader = body?.getReader();
  async function* parts() {
    if (!reader) return;
    let part = new Uint8Array(IMPORT_CHUNK_BYTES);
    let fill = 0;
    // The first part goes as soon as it holds the header: the worker starts from it.
    let first = true;
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw new VicinityError(
          'INVALID_OPTIONS',
          `reading the index file failed: ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      if (read.done) break;
      const value = read.value;
      for (let at = 0; at < value.byteLength;) {
        const take = Math.min(IMPORT_CHUNK_BYTES - fill, value.byteLength - at);
        part.set(value.subarray(at, at + take), fill);
        fill += take;
        at += take;
        if (fill === IMPORT_CHUNK_BYTES) {
          first = false;
          yield part;
          part = new Uint8Array(IMPORT_CHUNK_BYTES);
          fill = 0;
        }
      }
      if (first && fill >= headerBytes('native64')) {
        first = false;
        yield part.slice(0, fill);
        fill = 0;
      }
    }
    if (fill > 0) yield part.subarray(0, fill);
  }
  return {
    totalBytes,
    chunks: parts(),
    cancel: () => void reader?.cancel().catch(() => undefined),
  };
}

/** What importing hands back: a worker that holds the index, saved as its first generation. */
export interface Imported {
  readonly resolved: ResolvedOptions;
  readonly primary: PrimaryWorker;
  readonly imported: ImportResult;
  readonly monitor: PerformanceMonitor;
  readonly startedAt: number;
}

/**
 * VectorIndex.import up to the open index: checks what it was given, streams
 * the file to a new worker, which converts, checks and saves it. `openHere`
 * says whether the page holds the name open already (CONFLICT).
 */
export async function importIndex(
  name: string,
  options: ImportOptions,
  openHere: (name: string) => boolean,
): Promise<Imported> {
  if (typeof options !== 'object' || options === null) {
    throw new VicinityError('INVALID_OPTIONS', 'import takes { hnswlib, ids, metric, dimensions }');
  }
  const { hnswlib, ids, metadata, onProgress, ...open } = options;
  for (const key of ['M', 'efConstruction'] as const) {
    if (key in open) {
      throw new VicinityError('INVALID_OPTIONS', `${key} is read from the file; leave it out`);
    }
  }
  if (open.metric === undefined || open.dimensions === undefined) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      'import needs metric and dimensions: hnswlib files do not record the metric',
    );
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new VicinityError('INVALID_OPTIONS', 'onProgress must be a function');
  }
  const checked = resolveOptions(name, open);
  const dimensions = open.dimensions;
  const idParts = await labelParts(ids, 'ids', (id, where) => {
    assertId(id, where);
    return id;
  });
  const metadataParts =
    metadata === undefined
      ? []
      : await labelParts(metadata, 'metadata', (m, where) => {
          assertMetadata(m, where);
          return m as Metadata;
        });
  if (openHere(checked.name)) {
    throw new VicinityError('CONFLICT', `index "${checked.name}" is open in this page`);
  }
  await assertNotStored(checked.name);
  const source = await openSource(hnswlib);
  const monitor = new PerformanceMonitor({ page: PageHealth.shared() });
  let primary: PrimaryWorker | undefined;
  try {
    const startedAt = monitor.begin();
    // The header first: M and efConstruction are build parameters the
    // index is created with, and what a replacement worker reopens with.
    const first = await source.chunks.next();
    const head = first.done ? new Uint8Array(0) : first.value;
    const header = readHeader(head, 'native64', dimensions);
    const resolved = resolveOptions(name, {
      ...open,
      M: header.M,
      efConstruction: header.efConstruction,
    });
    const started = await PrimaryWorker.start(
      openRequest(resolved),
      resolved.logger,
      resolved.timeoutMs,
    );
    primary = started.primary;
    const worker = primary;
    await worker.call((api) => api.importBegin({ totalBytes: source.totalBytes }));
    for (const part of idParts) await worker.call((api) => api.importIds(part));
    for (const part of metadataParts) await worker.call((api) => api.importMetadata(part));
    for (let next = first; !next.done; next = await source.chunks.next()) {
      const chunk = next.value;
      const progress = await worker.call((api) => api.importChunk(transfer(chunk, [chunk.buffer])));
      try {
        onProgress?.(progress);
      } catch (error) {
        resolved.logger?.('warn', `onProgress threw: ${String(error)}`);
      }
    }
    // Checking, loading and saving grow with the count, like a save.
    const imported = await worker.call(
      (api) => api.importEnd(),
      2 * header.count * PER_VECTOR_SAVE_MS,
    );
    return { resolved, primary: worker, imported, monitor, startedAt };
  } catch (error) {
    source.cancel();
    await primary?.close();
    monitor.dispose();
    throw toVicinityError(error, 'ENGINE_ERROR', 'importing the index');
  }
}
