import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import type { LogSink } from '../core/protocol.js';
import { PER_VECTOR_SAVE_MS } from './allowances.js';
import type { CallMeter } from './CallMeter.js';
import type { IndexState } from './IndexState.js';
import type { PrimaryWorker } from './PrimaryWorker.js';
import type { TabSync } from './TabSync.js';

export interface SaveAnswer {
  readonly generation: number;
  readonly byteLength: number;
  readonly writtenBytes: number;
}

/**
 * Saves of one index: those asked for, the autosave after writes (with
 * `autosaveMs`), and the last one that closing makes. Saves under way are
 * tracked, so that close waits for them and other tabs are told.
 */
export class Saver {
  readonly #name: string;
  readonly #primary: PrimaryWorker;
  readonly #state: IndexState;
  readonly #meter: CallMeter;
  readonly #tabs: TabSync;
  readonly #autosaveMs: number | undefined;
  readonly #logger: LogSink | undefined;
  readonly #saves = new Set<Promise<unknown>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    parts: { primary: PrimaryWorker; state: IndexState; meter: CallMeter; tabs: TabSync },
    options: { name: string; autosaveMs: number | undefined; logger: LogSink | undefined },
  ) {
    this.#primary = parts.primary;
    this.#state = parts.state;
    this.#meter = parts.meter;
    this.#tabs = parts.tabs;
    this.#name = options.name;
    this.#autosaveMs = options.autosaveMs;
    this.#logger = options.logger;
  }

  /** Writes a new generation; durable once the promise resolves. */
  save(): Promise<SaveAnswer> {
    const saving = this.#saveNow();
    this.#saves.add(saving);
    void saving.then(
      () => this.#saves.delete(saving),
      () => this.#saves.delete(saving),
    );
    return saving;
  }

  async #saveNow(): Promise<SaveAnswer> {
    const sent = this.#state.version.sent;
    // Saving copies the whole index: allow for its size beyond the base deadline.
    const saved = await this.#meter.measure('save', undefined, async () => {
      const done = await this.#primary.call(
        (api) => api.save(),
        this.#state.size * PER_VECTOR_SAVE_MS,
      );
      return { value: done, workerMs: done.workerMs };
    });
    const { generation, byteLength } = saved;
    // What was sent before the save is what was saved.
    this.#state.saved(sent, saved);
    if (saved.wrote) this.#tabs.announce(generation);
    return { generation, byteLength, writtenBytes: saved.writtenBytes };
  }

  /** A write was applied: with `autosaveMs`, a save follows once writes pause that long. */
  scheduleAutosave(): void {
    const delay = this.#autosaveMs;
    if (delay === undefined || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#autosave();
    }, delay);
  }

  async #autosave(): Promise<void> {
    try {
      await this.save();
    } catch (error) {
      const { code, message } = toVicinityError(error, 'STORAGE_ERROR');
      this.#state.autosaveError = { code, message };
      this.#logger?.('error', `autosave of "${this.#name}" failed: ${code}: ${message}`);
    }
  }

  /**
   * Closing: no more autosaves; with `autosaveMs`, the last save, after
   * every write already sent (the worker runs calls in order); then every
   * save under way settles. Resolves with what was lost if the last save failed.
   */
  async stop(): Promise<VicinityError | undefined> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lost = this.#autosaveMs === undefined ? undefined : await this.#lastSave();
    await Promise.allSettled([...this.#saves]);
    return lost;
  }

  async #lastSave(): Promise<VicinityError | undefined> {
    if (this.#primary.broken || !this.#state.dirty) return undefined;
    try {
      await this.save();
      return undefined;
    } catch (error) {
      const cause = toVicinityError(error, 'STORAGE_ERROR');
      if (cause.code === 'CLOSED') return undefined;
      const saved = this.#state.savedGeneration;
      return new VicinityError(
        cause.code,
        `index "${this.#name}" closed, but its last autosave failed: ${this.#state.unsaved} ` +
          `unsaved changes were lost (${saved === null ? 'nothing was saved' : `generation ${saved} stays`}): ${cause.message}`,
        { cause },
      );
    }
  }
}
