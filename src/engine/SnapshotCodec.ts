import { VicinityError } from '../core/VicinityError.js';
import type { Metadata } from '../core/types.js';

/** What the collection keeps beside the engine's graph. */
export interface Sidecar {
  readonly nextLabel: number;
  readonly efSearch: number;
  /** Live ids and their labels, position by position. */
  readonly ids: string[];
  readonly labels: number[];
  /** Metadata by label, only for items that have it. */
  readonly metadata: [number, Metadata][];
  /** The text index (src/text/TextIndex.ts `TextSnapshot`); absent in snapshots without text. */
  readonly text?: unknown;
}

/** The sidecar as it follows the engine's bytes in a snapshot: UTF-8 JSON. */
export function encodeSidecar(sidecar: Sidecar): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(sidecar));
}

/** A snapshot is the engine's bytes followed by the sidecar as UTF-8 JSON. */
export function encodeSnapshot(engineBytes: Uint8Array, sidecar: Sidecar): Uint8Array {
  const json = encodeSidecar(sidecar);
  const out = new Uint8Array(engineBytes.byteLength + json.byteLength);
  out.set(engineBytes, 0);
  out.set(json, engineBytes.byteLength);
  return out;
}

export function decodeSnapshot(
  bytes: Uint8Array,
  engineByteLength: number,
): { engineBytes: Uint8Array; sidecar: Sidecar } {
  return {
    engineBytes: bytes.subarray(0, engineByteLength),
    sidecar: decodeSidecar(bytes.subarray(engineByteLength)),
  };
}

/** Reads the sidecar of a snapshot (the bytes after the engine's); malformed: INDEX_CORRUPTED. */
export function decodeSidecar(bytes: Uint8Array): Sidecar {
  let sidecar: Sidecar;
  try {
    sidecar = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new VicinityError('INDEX_CORRUPTED', 'the id map of the snapshot is unreadable', {
      cause: error,
    });
  }
  const valid =
    typeof sidecar === 'object' &&
    sidecar !== null &&
    Number.isSafeInteger(sidecar.nextLabel) &&
    Number.isSafeInteger(sidecar.efSearch) &&
    Array.isArray(sidecar.ids) &&
    Array.isArray(sidecar.labels) &&
    sidecar.ids.length === sidecar.labels.length &&
    Array.isArray(sidecar.metadata);
  if (!valid) throw new VicinityError('INDEX_CORRUPTED', 'the id map of the snapshot is malformed');
  return sidecar;
}
