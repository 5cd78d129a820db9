/**
 * The shapes of snapshots as IndexStore takes and gives them: the draft of a
 * manifest to write, what a write stored, and a stored generation as read.
 */
import type { Manifest } from './Manifest.js';

/** What a caller fills in of a manifest; the store adds the byte counts, checksums and chunk list. */
export type ManifestDraft = Omit<
  Manifest,
  'checksum' | 'byteLength' | 'manifestChecksum' | 'chunks'
>;

export interface LoadedSnapshot {
  readonly manifest: Manifest;
  readonly bytes: Uint8Array;
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  readonly migratedFrom: number | null;
}

/** A stored generation whose manifest verified, for `readLatestWith`'s loader. */
export interface StoredSnapshot {
  readonly manifest: Manifest;
  /**
   * The bytes from `from` to `to` as verified chunks in order. In format 4
   * both must fall on chunk boundaries, as the engine's end does (see
   * writeSnapshot); anything else is INDEX_CORRUPTED.
   */
  chunks(from: number, to: number): AsyncIterable<Uint8Array>;
}

/** What `readLatestWith` gives: the loader's value and the generation it came from. */
export interface OpenedSnapshot<T> {
  readonly manifest: Manifest;
  readonly value: T;
  /** Set when a newer generation was unreadable and this older one was opened. */
  readonly recoveredFrom: { readonly generation: number; readonly reason: string } | null;
  /** The format it was stored in, when older than the current one (it was migrated on read). */
  readonly migratedFrom: number | null;
}

/** What a write stored: the manifest, and how much of the snapshot had to be written. */
export interface WrittenSnapshot {
  readonly manifest: Manifest;
  /** Bytes of the chunks written; chunks the kept generation already holds are not. */
  readonly writtenBytes: number;
  readonly writtenChunks: number;
}
