import { VicinityError } from '../core/VicinityError.js';
import { CHUNK_BYTES } from './storeSchema.js';

/**
 * A snapshot handed to storage in order, a window at a time, so that no
 * full copy of it is ever built: the engine writes each window straight
 * from its memory.
 */
export interface SnapshotSource {
  /** Bytes of the whole snapshot. */
  readonly byteLength: number;
  /**
   * The next bytes, at most `max`, as an array that owns its whole buffer
   * (IndexedDB clones a view's entire ArrayBuffer); empty at the end.
   */
  read(max: number): Uint8Array;
  /** Releases what the source holds; safe to call more than once. */
  close(): void;
}

/** A source over bytes already in memory (the hnswlib-wasm engine, imports, tests). */
export function bufferSource(bytes: Uint8Array): SnapshotSource {
  let at = 0;
  return {
    byteLength: bytes.byteLength,
    read(max) {
      const out = bytes.slice(at, Math.min(bytes.byteLength, at + max));
      at += out.byteLength;
      return out;
    },
    close() {},
  };
}

/** Chunks read back, gathered into one array of the length the manifest gives. */
export async function gather(
  chunks: AsyncIterable<Uint8Array>,
  byteLength: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(byteLength);
  let at = 0;
  for await (const chunk of chunks) {
    if (chunk.byteLength > byteLength - at)
      throw new VicinityError('INDEX_CORRUPTED', 'the snapshot runs past its length');
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== byteLength) throw new VicinityError('INDEX_CORRUPTED', 'the snapshot ends early');
  return bytes;
}

/** The sources one after the other, read as one. */
export function concatSources(parts: readonly SnapshotSource[]): SnapshotSource {
  let index = 0;
  const close = () => parts.forEach((part) => part.close());
  return {
    byteLength: parts.reduce((sum, part) => sum + part.byteLength, 0),
    read(max) {
      const pieces: Uint8Array[] = [];
      let length = 0;
      while (length < max && index < parts.length) {
        const piece = (parts[index] as SnapshotSource).read(max - length);
        if (piece.byteLength === 0) index++;
        else {
          pieces.push(piece);
          length += piece.byteLength;
        }
      }
      if (pieces.length === 1) return pieces[0] as Uint8Array;
      const out = new Uint8Array(length);
      let at = 0;
      for (const piece of pieces) {
        out.set(piece, at);
        at += piece.byteLength;
      }
      return out;
    },
    close,
  };
}

/** A source's bytes in one buffer, a window at a time; the source is closed. */
export function readWhole(source: SnapshotSource, windowBytes = CHUNK_BYTES): Uint8Array {
  try {
    const bytes = new Uint8Array(source.byteLength);
    for (let at = 0; at < bytes.byteLength;) {
      const piece = source.read(Math.min(windowBytes, bytes.byteLength - at));
      if (piece.byteLength === 0)
        throw new VicinityError('ENGINE_ERROR', 'the engine ended its snapshot early');
      bytes.set(piece, at);
      at += piece.byteLength;
    }
    return bytes;
  } finally {
    source.close();
  }
}
