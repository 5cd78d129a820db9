import { VicinityError } from '../errors/VicinityError.js';
import type { EngineKind } from '../engine/Engine.js';
import type { Metric, Quantization } from '../types.js';
import { sha256Hex } from './checksum.js';

/**
 * Snapshot layout version written by this library.
 * 1: the manifest's fields were not covered by any checksum.
 * 2: `manifestChecksum` covers every other field of the manifest.
 * 3: `quantization` says how the engine's bytes store vectors (float32 or int8).
 */
export const FORMAT_VERSION = 3;

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
  /** SHA-256 of the whole snapshot, hex. */
  readonly checksum: string;
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
/** The fields of a format before 3, which had no quantization. */
type LegacyFields = Omit<Fields, 'quantization'>;

const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip'];
const QUANTIZATIONS: readonly Quantization[] = ['none', 'int8'];

/**
 * SHA-256 over the fields in a fixed order, so that property order in
 * storage does not matter. Format 2 had no quantization: its checksum covers
 * the fields it had, so that stored format-2 manifests still check.
 */
export function manifestChecksum(fields: Fields | LegacyFields): Promise<string> {
  const ordered = [
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
  if (fields.format >= 3) ordered.push((fields as Fields).quantization);
  return sha256Hex(new TextEncoder().encode(JSON.stringify(ordered)));
}

/** Completes a manifest about to be written with its own checksum. */
export async function sealManifest(fields: Fields): Promise<Manifest>;
export async function sealManifest(
  fields: LegacyFields,
): Promise<LegacyFields & { manifestChecksum: string }>;
export async function sealManifest(fields: Fields | LegacyFields) {
  return { ...fields, manifestChecksum: await manifestChecksum(fields) };
}

/**
 * Steps that lift a manifest of format n to n + 1, by n. A step sees a
 * manifest that already passed the checks of its own format.
 */
const MIGRATIONS: Readonly<
  Record<number, (old: LegacyFields) => Promise<LegacyFields | Manifest>>
> = {
  // Format 1 had no manifest checksum: its fields are taken as read, as format 1 did.
  1: (old) => sealManifest({ ...old, format: 2 }),
  // Before format 3 every index stored float32 vectors.
  // (sealManifest replaces format 2's checksum with one over the new fields.)
  2: (old) => sealManifest({ ...old, format: 3, quantization: 'none' }),
};

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isHex64(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
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
  if (m.format >= 2) {
    if (
      !isHex64(m.manifestChecksum) ||
      m.manifestChecksum !== (await manifestChecksum(m as Fields))
    )
      throw new VicinityError('INDEX_CORRUPTED', 'manifest fails its checksum');
    if (m.format === FORMAT_VERSION) return { manifest: m as Manifest, migratedFrom: null };
  } else if (m.manifestChecksum !== undefined) {
    // Format 1 had no manifest checksum: one there means this format field was damaged.
    throw new VicinityError('INDEX_CORRUPTED', `manifest of format ${m.format} has a checksum`);
  }
  let current: LegacyFields | Manifest = m as LegacyFields;
  for (let format = m.format; format < FORMAT_VERSION; format++) {
    const step = MIGRATIONS[format];
    if (!step) throw new VicinityError('UNSUPPORTED_FORMAT', `no migration from format ${format}`);
    current = await step(current);
  }
  return { manifest: current as Manifest, migratedFrom: m.format };
}
