import { VicinityError } from '../errors/VicinityError.js';
import type { EngineKind } from '../engine/Engine.js';
import type { Metric } from '../types.js';

/** Snapshot layout version written by this library. */
export const FORMAT_VERSION = 1;

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
}

const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip'];

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks a manifest read from storage; anything off is INDEX_CORRUPTED. */
export function parseManifest(value: unknown): Manifest {
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
  const ok =
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
    typeof m.checksum === 'string' &&
    /^[0-9a-f]{64}$/.test(m.checksum) &&
    typeof m.savedAt === 'number';
  if (!ok) throw new VicinityError('INDEX_CORRUPTED', 'manifest has missing or invalid fields');
  return m as Manifest;
}
