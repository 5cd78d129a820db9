import { ContentVersion } from '../cache/ContentVersion.js';
import type { IndexStats } from '../core/types.js';
import type {
  EngineParams,
  MutationResult,
  OpenResult,
  SaveResult,
  TextConfig,
} from '../core/protocol.js';

/**
 * What the page knows of its index, in one place: updated from the worker's
 * answers (open, writes, saves, a reopen after the worker failed) and from
 * other tabs' news. The worker holds the index; this is the page's record of
 * what it last said, never a second count of it.
 */
export class IndexState {
  readonly params: EngineParams;
  /** Live vectors, as of the last completed write. */
  size: number;
  /** Live vectors in the generation last saved or opened: what a failed worker reopens. */
  savedSize: number;
  /** The index's default efSearch, as last set. */
  efSearch: number;
  /** How the worker indexes text, as it said on open. */
  text: TextConfig | undefined;
  /** Another tab saved a generation newer than this one holds. */
  stale = false;
  autosaveError: IndexStats['autosaveError'] = null;
  /** Upserts and removes sent, and reopens (see TuningPort.writes). */
  writes = 0;
  /** Writes sent (ContentVersion.sent) when the last save that succeeded was called. */
  savedThrough = 0;
  /** Changes the worker holds unsaved, as it last said: what a crash or a reload would lose. */
  unsaved = 0;
  /** The generation storage holds, as the worker last said (null: nothing saved). */
  savedGeneration: number | null;
  /** Names the content that answers, for the query cache's keys. */
  readonly version: ContentVersion;
  /** The worker failed and no new one has reopened the index yet (or none could). */
  #workerDown = false;

  constructor(owner: string, opened: OpenResult) {
    this.params = opened.params;
    this.size = opened.size;
    this.savedSize = opened.created ? 0 : opened.size;
    this.efSearch = opened.efSearch;
    this.text = opened.text;
    this.savedGeneration = opened.created ? null : opened.generation;
    this.version = new ContentVersion(owner, opened.checksum);
  }

  /**
   * The content that answers now, as the query cache names it; null while
   * no answer may be cached or served: another tab holds newer content, or
   * a failed worker is being replaced, or could not be.
   */
  get cacheVersion(): string | null {
    return this.stale || this.#workerDown ? null : this.version.current();
  }

  /** Writes sent since the last save that succeeded. */
  get dirty(): boolean {
    return this.version.sent !== this.savedThrough;
  }

  /** An upsert or remove is about to be sent: cached answers from before it are void. */
  writing(): void {
    this.version.sending();
    this.writes++;
  }

  /** The worker applied a write (or a change of efSearch). */
  wrote(result: MutationResult): void {
    this.size = result.size;
    this.unsaved = result.unsaved;
    this.savedGeneration = result.savedGeneration;
  }

  /** The default efSearch is about to change (it is saved with the index). */
  settingEfSearch(efSearch: number): void {
    this.version.sending();
    this.efSearch = efSearch;
  }

  /**
   * A save called after `sent` writes stored `size` vectors as `generation`,
   * the content named by `checksum`.
   */
  saved(sent: number, { generation, size, checksum }: SaveResult): void {
    this.savedGeneration = generation;
    this.unsaved = 0;
    this.savedSize = size;
    this.savedThrough = Math.max(this.savedThrough, sent);
    this.version.saved(sent, checksum);
    this.autosaveError = null;
  }

  /** The worker failed: until it is replaced, what it reopens is the last saved generation. */
  failed(): void {
    this.#workerDown = true;
    this.size = this.savedSize;
    this.unsaved = 0;
  }

  /** A new worker reopened the index from storage. */
  reopened(opened: OpenResult): void {
    this.#workerDown = false;
    this.writes++;
    this.size = opened.size;
    this.savedSize = opened.created ? 0 : opened.size;
    this.savedThrough = this.version.sent;
    this.unsaved = 0;
    this.savedGeneration = opened.created ? null : opened.generation;
    this.stale = false;
    this.efSearch = opened.efSearch;
    this.text = opened.text;
    this.version.reopened(opened.checksum);
  }
}
