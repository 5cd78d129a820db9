/**
 * The worker side of \`VectorIndex.import\`: the file's bytes through a
 * converter, ids and metadata as they arrive in parts, and the index they
 * make once complete.
 */
import { VicinityError } from '../core/VicinityError.js';
import { headerBytes, recordBytes } from '../native/nativeLayout.js';
import { LayoutConverter, type ConvertedIndex } from '../native/LayoutConverter.js';
import type { EngineFactories } from '../engine/Engine.js';
import { loadEngine } from '../engine/chooseEngine.js';
import type { Sidecar } from '../engine/SnapshotCodec.js';
import { VectorCollection } from '../engine/VectorCollection.js';
import type { Metadata, Metric, Quantization } from '../core/types.js';
import { assertId } from '../validation/validateInput.js';
import { assertMetadata } from '../validation/plainData.js';
import { assertUsable } from '../validation/vectors.js';
import type { EngineParams, ImportProgress, ImportRequest, LabelPart } from '../core/protocol.js';

/** An import under way: the converter the bytes go through, and the ids and metadata by label. */
export interface PendingImport {
  readonly request: ImportRequest;
  readonly converter: LayoutConverter;
  readonly ids: Map<number, string>;
  readonly metadata: Map<number, Metadata>;
}

/** Adds a part of the ids or metadata, each value checked, to what arrived before it. */
export function addLabelPart<T>(
  into: Map<number, T>,
  part: LabelPart<T>,
  what: 'ids' | 'metadata',
  check: (value: unknown, where: string) => T,
): void {
  const { labels, values } = part ?? {};
  const consecutive = typeof labels === 'number';
  if (
    !Array.isArray(values) ||
    !(consecutive ? Number.isSafeInteger(labels) : labels instanceof Float64Array) ||
    (!consecutive && labels.length !== values.length)
  ) {
    throw new VicinityError('INVALID_OPTIONS', `a part of ${what} is malformed`);
  }
  values.forEach((value, i) => {
    const label = consecutive ? labels + i : (labels[i] as number);
    if (!Number.isSafeInteger(label) || label < 0) {
      throw new VicinityError('INVALID_OPTIONS', `${what}: label ${label} is not a label`);
    }
    if (into.has(label)) {
      throw new VicinityError('INVALID_OPTIONS', `${what}: label ${label} is given twice`);
    }
    if (value !== null) into.set(label, check(value, `${what}[${label}]`));
  });
}

/** How far a unit vector's squared length may stray in float32 after hnswlib normalised it. */
const UNIT_TOLERANCE = 1e-3;

/** Checks an imported vector as an upsert would check it, and a cosine one for unit length. */
export function importedVectorCheck(metric: Metric): (vector: Float32Array, label: number) => void {
  return (vector, label) => {
    assertUsable(vector, metric, `label ${label}`);
    if (metric === 'cosine') assertUnit(vector, label);
  };
}

/**
 * The id map of an imported file: each live element's id found by its
 * label, its vector checked as an upsert would check it, and its metadata.
 * The graph is relabelled by position, so position i is label i here. A
 * file quantised on the way in had its float32 vectors checked by the
 * converter (`importedVectorCheck`) before they became codes.
 */
export function importedSidecar(
  converted: ConvertedIndex,
  pending: PendingImport,
  metric: Metric,
  efSearch: number,
  quantization: Quantization,
): Sidecar {
  const { header, labels, deleted, bytes } = converted;
  const count = header.count;
  const { ids: idOf, metadata: metadataOf } = pending;
  const inFile = new Set(labels);
  // A spread of a million labels would overflow the stack: reduce instead.
  const lowest = labels.reduce((a, b) => Math.min(a, b), Infinity);
  const highest = labels.reduce((a, b) => Math.max(a, b), -Infinity);
  const range = count === 0 ? 'none' : `${lowest} … ${highest}`;
  for (const [what, lookup] of [
    ['ids', idOf],
    ['metadata', metadataOf],
  ] as const) {
    for (const label of lookup.keys()) {
      if (!inFile.has(label)) {
        throw new VicinityError(
          'INVALID_OPTIONS',
          `${what} names label ${label}, which the file lacks: it holds ${count} elements ` +
            `(labels ${range})`,
        );
      }
    }
  }
  const dimensions = header.dataBytes / 4;
  const check = quantization === 'none' ? importedVectorCheck(metric) : undefined;
  const record = recordBytes(header, 'wasm32');
  const vectorAt = headerBytes('wasm32') + 2 * header.M * 4 + 4;
  const seen = new Map<string, number>();
  const sidecar = { nextLabel: count, efSearch, ids: [] as string[], labels: [] as number[] };
  const metadata: [number, Metadata][] = [];
  for (let position = 0; position < count; position++) {
    if (deleted[position]) continue;
    const label = labels[position] as number;
    const id = idOf.get(label);
    if (id === undefined) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `label ${label} of the file has no id: ids holds one for each live element`,
      );
    }
    const twice = seen.get(id);
    if (twice !== undefined) {
      throw new VicinityError(
        'DUPLICATE_ID',
        `id ${JSON.stringify(id)} names both label ${twice} and label ${label}`,
      );
    }
    seen.set(id, label);
    if (check) {
      const at = bytes.byteOffset + vectorAt + position * record;
      const vector =
        at % 4 === 0
          ? new Float32Array(bytes.buffer, at, dimensions)
          : new Float32Array(
              bytes.slice(at - bytes.byteOffset, at - bytes.byteOffset + 4 * dimensions).buffer,
            );
      check(vector, label);
    }
    sidecar.ids.push(id);
    sidecar.labels.push(position);
    const m = metadataOf.get(label);
    if (m !== undefined) metadata.push([position, m]);
  }
  return { ...sidecar, metadata };
}

/**
 * hnswlib stores cosine vectors normalised; vectors of another length mean
 * the file was built for l2 or ip, whose answers cosine would not give.
 */
function assertUnit(vector: Float32Array, label: number): void {
  let norm2 = 0;
  for (const x of vector) norm2 += x * x;
  if (Math.abs(norm2 - 1) > UNIT_TOLERANCE) {
    throw new VicinityError(
      'INCOMPATIBLE_OPTIONS',
      `metric is cosine, but the vector of label ${label} is ${Math.sqrt(norm2).toPrecision(4)} ` +
        "long: hnswlib stores cosine vectors normalised, so the file was built for 'l2' or 'ip'",
    );
  }
}

/** An import into `collection`, just created and empty: the file's bytes go through a converter. */
export function beginImport(collection: VectorCollection, request: ImportRequest): PendingImport {
  const { totalBytes } = request ?? {};
  if (totalBytes !== null && !(Number.isSafeInteger(totalBytes) && totalBytes >= 0)) {
    throw new VicinityError('INVALID_OPTIONS', 'totalBytes must be a byte count or null');
  }
  return {
    request,
    ids: new Map(),
    metadata: new Map(),
    converter: new LayoutConverter({
      from: 'native64',
      to: 'wasm32',
      dimensions: collection.params.dimensions,
      totalBytes: request.totalBytes,
      // Any labels fit, and the id map stays dense: ids are looked up by the file's labels.
      labels: 'position',
      vectors: {
        from: 'none',
        to: collection.params.quantization,
        check: importedVectorCheck(collection.params.metric),
      },
    }),
  };
}

/** An import complete: the collection it makes, and what is saved of it. */
export interface LoadedImport {
  readonly collection: VectorCollection;
  readonly engineBytes: Uint8Array;
  readonly sidecar: Sidecar;
}

/**
 * Checks the whole file and the ids against each other, and loads the graph
 * into a new engine beside the empty one (which the caller discards once
 * the import is saved). The file's M and efConstruction must be the index's.
 */
export async function loadImport(
  engines: EngineFactories,
  name: string,
  empty: VectorCollection,
  pending: PendingImport,
): Promise<LoadedImport> {
  const converted = pending.converter.finish();
  const params: EngineParams = {
    ...empty.params,
    M: converted.header.M,
    efConstruction: converted.header.efConstruction,
  };
  if (params.M !== empty.params.M || params.efConstruction !== empty.params.efConstruction) {
    throw new VicinityError(
      'INCOMPATIBLE_OPTIONS',
      `the file was built with M ${params.M} and efConstruction ${params.efConstruction}, ` +
        `the index was opened with ${empty.params.M} and ${empty.params.efConstruction}`,
    );
  }
  const sidecar = importedSidecar(
    converted,
    pending,
    params.metric,
    empty.efSearch,
    params.quantization,
  );
  // hnswlib-wasm's loader allocates the capacity it is given: as much as a new index would have.
  const capacity = Math.max(converted.header.count, empty.engine.capacity());
  empty.assertHeapRoom(capacity, converted.header.count, params);
  const engine = await loadEngine(
    engines,
    empty.engine.kind,
    { params, capacity, indexName: name },
    converted.bytes,
  );
  try {
    const collection = new VectorCollection(engine, params, empty.efSearch, sidecar);
    collection.memoryLimit = empty.memoryLimit;
    return { collection, engineBytes: converted.bytes, sidecar };
  } catch (error) {
    await engine.dispose().catch(() => undefined);
    throw error;
  }
}

export function addImportIds(pending: PendingImport, part: LabelPart<string>): void {
  addLabelPart(pending.ids, part, 'ids', (id, where) => {
    assertId(id, where);
    return id;
  });
}

export function addImportMetadata(pending: PendingImport, part: LabelPart<Metadata>): void {
  addLabelPart(pending.metadata, part, 'metadata', (metadata, where) => {
    assertMetadata(metadata, where);
    return metadata as Metadata;
  });
}

export function assertChunk(chunk: unknown): asserts chunk is Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    throw new VicinityError('INVALID_OPTIONS', 'index bytes must arrive as a Uint8Array');
  }
}

/** The next bytes of the file, converted as they arrive; malformed ones throw. */
export function pushImportChunk(pending: PendingImport, chunk: Uint8Array): ImportProgress {
  pending.converter.push(chunk);
  return { loadedBytes: pending.converter.loadedBytes, totalBytes: pending.request.totalBytes };
}
