import { VicinityError } from '../core/VicinityError.js';
import type { EngineKind } from '../core/types.js';
import type { Metric, Quantization } from '../core/types.js';
import { sha256Hex } from './checksum.js';
import { METRICS, QUANTIZATIONS } from '../core/defaults.js';

/**
 * Snapshot layout version written by this library.
 * 1: the manifest's fields were not covered by any checksum.
 * 2: `manifestChecksum` covers every other field of the manifest.
 * 3: `quantization` says how the engine's bytes store vectors (float32 or int8).
 * 4: the bytes are stored as content-addressed chunks listed in `chunks`,
 *    each with its own SHA-256 (see IndexStore.writeSnapshot).
 */
export const FORMAT_VERSION = 4;

/** One stored chunk of a snapshot: its SHA-256 (hex) is also its key in the chunk store. */
export interface ChunkRef {
  readonly key: string;
  readonly byteLength: number;
}

/** Describes one saved generation; stored beside its bytes in the same transaction. */
export interface Manifest {
  readonly format: number;
  /** The engine that wrote the snapshot; either engine reads it. */
  readonly engine: EngineKind;
  /** hnswlib's own file layout inside the snapshot (wasm32: 4-byte size_t), shared by both engines. */
  readonly engineFormat: 'hnswlib-wasm32';
  readonly dimensions: number;
  readonly metric: Metric;
  readonly M: number;
  readonly efConstruction: number;
  /** How the engine's bytes store vectors: float32 (`none`) or int8 codes. */
  readonly quantization: Quantization;
  /** Live vectors. */
  readonly count: number;
  readonly generation: number;
  /** Bytes of the whole snapshot. */
  readonly byteLength: number;
  /** Bytes of the engine's index at the start of the snapshot; the rest is the id map and metadata. */
  readonly engineByteLength: number;
  /**
   * Format 4: SHA-256 (hex) of the chunk keys in order, so the snapshot's
   * identity; formats before 4: SHA-256 of the whole snapshot.
   */
  readonly checksum: string;
  /**
   * The snapshot's bytes, in order, as chunks of the chunk store; null for a
   * snapshot stored before format 4, whose bytes are one record under its generation.
   */
  readonly chunks: readonly ChunkRef[] | null;
  readonly savedAt: number;
  /** SHA-256 of the other fields (see manifestChecksum), hex: a flipped parameter cannot load silently. */
  readonly manifestChecksum: string;
}

/** A manifest read from storage, lifted to the current format. */
export interface ParsedManifest {
  readonly manifest: Manifest;
  /** The format it was stored in, when older than FORMAT_VERSION. */
  readonly migratedFrom: number | null;
}

type Fields = Omit<Manifest, 'manifestChecksum'>;
/** The fields of any stored format: before 3 there was no quantization, before 4 no chunk list. */
type StoredFields = Omit<Fields, 'quantization' | 'chunks'> & {
  readonly quantization?: Quantization;
  readonly chunks?: readonly ChunkRef[] | null;
};

/**
 * SHA-256 over the fields in a fixed order, so that property order in
 * storage does not matter. Each format covers the fields it has: a stored
 * manifest of an older format still checks. The quantization from format 3
 * on, the chunk list from format 4 on.
 */
export function manifestChecksum(fields: StoredFields): Promise<string> {
  const ordered: unknown[] = [
    fields.format,
    fields.engine,
    fields.engineFormat,
    fields.dimensions,
    fields.metric,
    fields.M,
    fields.efConstruction,
    fields.count,
    fields.generation,
    fields.byteLength,
    fields.engineByteLength,
    fields.checksum,
    fields.savedAt,
  ];
  if (fields.format >= 3) ordered.push(fields.quantization);
  if (fields.format >= 4) ordered.push(fields.chunks);
  return sha256Hex(new TextEncoder().encode(JSON.stringify(ordered)));
}

/** Completes a manifest about to be written with its own checksum. */
export async function sealManifest(fields: Fields): Promise<Manifest>;
export async function sealManifest(
  fields: StoredFields,
): Promise<StoredFields & { manifestChecksum: string }>;
export async function sealManifest(fields: StoredFields) {
  return { ...fields, manifestChecksum: await manifestChecksum(fields) };
}

/**
 * Steps that lift a manifest of format n to n + 1, by n. A step sees a
 * manifest that already passed the checks of its own format.
 */
const MIGRATIONS: Readonly<Record<number, (old: StoredFields) => Promise<StoredFields>>> = {
  // Format 1 had no manifest checksum: its fields are taken as read, as format 1 did.
  1: (old) => sealManifest({ ...old, format: 2 }),
  // Before format 3 every index stored float32 vectors.
  // (sealManifest replaces the old checksum with one over the new fields.)
  2: (old) => sealManifest({ ...old, format: 3, quantization: 'none' }),
  // Before format 4 the snapshot is one record: no chunk list.
  3: (old) => sealManifest({ ...old, format: 4, chunks: null }),
};

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isHex64(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** A format 4 chunk list: well-formed entries whose lengths add up to the snapshot's. */
function hasValidChunks(chunks: unknown, byteLength: number): boolean {
  if (!Array.isArray(chunks)) return false;
  let total = 0;
  for (const chunk of chunks as Partial<ChunkRef>[]) {
    if (typeof chunk !== 'object' || chunk === null) return false;
    if (!isHex64(chunk.key) || !isCount(chunk.byteLength) || chunk.byteLength === 0) return false;
    total += chunk.byteLength;
  }
  return total === byteLength;
}

/** The checks shared by every format so far, and quantization from format 3. */
function hasValidFields(m: Partial<Manifest>): boolean {
  const quantizationOk =
    (m.format as number) >= 3
      ? QUANTIZATIONS.includes(m.quantization as Quantization)
      : m.quantization === undefined;
  return (
    quantizationOk &&
    (m.engine === 'hnswlib-wasm' || m.engine === 'simd') &&
    m.engineFormat === 'hnswlib-wasm32' &&
    isCount(m.dimensions) &&
    m.dimensions > 0 &&
    METRICS.includes(m.metric as Metric) &&
    isCount(m.M) &&
    m.M > 1 &&
    isCount(m.efConstruction) &&
    isCount(m.count) &&
    isCount(m.generation) &&
    isCount(m.byteLength) &&
    isCount(m.engineByteLength) &&
    m.engineByteLength <= m.byteLength &&
    isHex64(m.checksum) &&
    typeof m.savedAt === 'number'
  );
}

/**
 * Checks a manifest read from storage and migrates an older format to the
 * current one. Anything off is INDEX_CORRUPTED; a newer format is
 * UNSUPPORTED_FORMAT.
 */
export async function parseManifest(value: unknown): Promise<ParsedManifest> {
  const m = value as Partial<Manifest> | null;
  if (typeof m !== 'object' || m === null) {
    throw new VicinityError('INDEX_CORRUPTED', 'manifest is not an object');
  }
  if (!isCount(m.format) || m.format < 1) {
    throw new VicinityError('INDEX_CORRUPTED', `manifest format ${String(m.format)} is invalid`);
  }
  if (m.format > FORMAT_VERSION) {
    throw new VicinityError(
      'UNSUPPORTED_FORMAT',
      `snapshot format ${m.format} is newer than this version of vicinity reads (${FORMAT_VERSION})`,
    );
  }
  if (!hasValidFields(m)) {
    throw new VicinityError('INDEX_CORRUPTED', 'manifest has missing or invalid fields');
  }
  if (m.format >= 4 && !hasValidChunks(m.chunks, m.byteLength as number)) {
    throw new VicinityError('INDEX_CORRUPTED', 'manifest has a missing or invalid chunk list');
  }
  if (m.format >= 2) {
    if (
      !isHex64(m.manifestChecksum) ||
      m.manifestChecksum !== (await manifestChecksum(m as StoredFields))
    )
      throw new VicinityError('INDEX_CORRUPTED', 'manifest fails its checksum');
    if (m.format === FORMAT_VERSION) return { manifest: m as Manifest, migratedFrom: null };
  } else if (m.manifestChecksum !== undefined) {
    // Format 1 had no manifest checksum: one there means this format field was damaged.
    throw new VicinityError('INDEX_CORRUPTED', `manifest of format ${m.format} has a checksum`);
  }
  let current = m as StoredFields;
  for (let format = m.format; format < FORMAT_VERSION; format++) {
    const step = MIGRATIONS[format];
    if (!step) throw new VicinityError('UNSUPPORTED_FORMAT', `no migration from format ${format}`);
    current = await step(current);
  }
  return { manifest: current as Manifest, migratedFrom: m.format };
}
