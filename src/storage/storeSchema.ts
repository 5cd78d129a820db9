/**
 * The layout of one index's IndexedDB database: its version, its object
 * stores, and the size of the chunks a snapshot is stored in.
 */

/** 2: adds the chunk store of snapshot format 4. */
export const DB_VERSION = 2;
export const MANIFESTS = 'manifests';
/** Before format 4, a generation's bytes; from format 4, an empty marker that it was committed. */
export const SNAPSHOTS = 'snapshots';
/** Chunks of format 4 snapshots, keyed by the SHA-256 (hex) of their bytes. */
export const CHUNKS = 'chunks';

/**
 * Bytes per stored chunk. Measured at 100k x 384 (bench/scale.mjs): 4 MiB
 * keeps the transient copy small while per-chunk costs (a transaction, a
 * digest) stay under a few percent of the time.
 */
export const CHUNK_BYTES = 4 << 20;
