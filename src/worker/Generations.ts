import type { WorkerStats } from '../core/protocol.js';
import type { Manifest } from '../storage/Manifest.js';

/**
 * The worker's count of what has been written and what saved: the source
 * of truth that its answers carry to the page. A generation counts the
 * writes applied; the saved one is what storage holds.
 */
export class Generations {
  /** Writes applied: the generation the index is at. */
  current = 0;
  /** The generation storage holds, or null when nothing was saved. */
  saved: number | null = null;
  /** Changes applied since the last save. */
  unsaved = 0;
  /** Bytes of the generation last opened or saved. */
  snapshotBytes = 0;
  /** Checksum of the generation last opened or saved. */
  checksum: string | null = null;
  recoveredFrom: WorkerStats['recoveredFrom'] = null;
  /** Format of the snapshot opened, when older than the current one: the next save rewrites it. */
  migratedFrom: number | null = null;

  /** A stored generation was opened (after `recoveredFrom` failed, if it did). */
  opened(
    manifest: Manifest,
    recoveredFrom: WorkerStats['recoveredFrom'],
    migratedFrom: number | null,
  ): void {
    this.current = manifest.generation;
    this.saved = manifest.generation;
    this.snapshotBytes = manifest.byteLength;
    this.checksum = manifest.checksum;
    this.recoveredFrom = recoveredFrom;
    this.migratedFrom = migratedFrom;
  }

  /** `changed` items (or settings) changed; none is no new generation. */
  changed(changed: number): void {
    if (changed === 0) return;
    this.current++;
    this.unsaved += changed;
  }

  /** Nothing to write: what storage holds is what the index holds, in the current format. */
  get clean(): boolean {
    return (
      this.checksum !== null &&
      this.saved !== null &&
      this.unsaved === 0 &&
      this.saved === this.current &&
      this.migratedFrom === null
    );
  }

  /** The newest generation this index grew from: a newer one in storage was saved by another tab. */
  get base(): number {
    return Math.max(this.saved ?? -1, this.recoveredFrom?.generation ?? -1);
  }

  /** A generation was stored: it is what the index holds and what it grew from. */
  stored(manifest: Manifest): void {
    this.current = manifest.generation;
    this.saved = manifest.generation;
    this.unsaved = 0;
    this.snapshotBytes = manifest.byteLength;
    this.recoveredFrom = null;
    this.migratedFrom = null;
    this.checksum = manifest.checksum;
  }
}
