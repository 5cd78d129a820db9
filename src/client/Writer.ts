import { transfer } from 'comlink';
import { VicinityError } from '../core/VicinityError.js';
import type { Item } from '../core/types.js';
import type { MutationResult } from '../core/protocol.js';
import { itemTexts } from '../text/textOptions.js';
import { assertEf, assertIds, packItems } from '../validation/validateInput.js';
import { PER_VECTOR_MS } from './allowances.js';
import type { CallMeter } from './CallMeter.js';
import type { IndexState } from './IndexState.js';
import type { PrimaryApi } from './PrimaryWorker.js';
import type { Saver } from './Saver.js';
import type { Workers } from './Workers.js';

/** What a Writer works with: the index's parts it shares. */
export interface WriterParts {
  readonly state: IndexState;
  readonly workers: Workers;
  readonly meter: CallMeter;
  readonly saver: Saver;
  /** The page's tokenizer function, when the index's text is tokenised on the page. */
  readonly tokenizer: () => ((text: string) => string[]) | undefined;
}

/**
 * The writes of one index: checked and packed on the page, sent to the
 * primary worker (vectors transferred), timed, and followed by the autosave.
 * Replicas and cached answers go stale before a write is sent: a search
 * called after it, even before it resolves, must see it.
 */
export class Writer {
  readonly #parts: WriterParts;

  constructor(parts: WriterParts) {
    this.#parts = parts;
  }

  async upsert(items: readonly Item[]): Promise<void> {
    const { params } = this.#parts.state;
    const { ids, vectors, metadata } = packItems(items, params.dimensions, params.metric);
    if (ids.length === 0) return;
    const texts = itemTexts(items, this.#parts.tokenizer);
    this.#sending();
    const sent = transfer(vectors, [vectors.buffer]);
    await this.#write('upsert', ids.length * PER_VECTOR_MS, (api) =>
      texts === undefined
        ? api.upsert(ids, sent, metadata)
        : api.upsert(ids, sent, metadata, texts),
    );
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (!Array.isArray(ids)) throw new VicinityError('INVALID_ID', 'remove takes an array of ids');
    assertIds(ids, 'ids');
    if (ids.length === 0) return 0;
    this.#sending();
    return this.#write('remove', 0, (api) => api.remove([...ids]));
  }

  async setEfSearch(efSearch: number): Promise<void> {
    assertEf(efSearch);
    const { workers, state, meter, saver } = this.#parts;
    workers.changed();
    state.settingEfSearch(efSearch);
    const result = await meter.track(() =>
      workers.primary.call((api) => api.setEfSearch(efSearch)),
    );
    state.wrote(result);
    saver.scheduleAutosave();
  }

  #sending(): void {
    this.#parts.workers.changed();
    this.#parts.state.writing();
  }

  /** A write sent, timed, and recorded; resolves with how many items it changed. */
  async #write(
    operation: 'upsert' | 'remove',
    allowanceMs: number,
    send: (api: PrimaryApi) => Promise<MutationResult>,
  ): Promise<number> {
    const { workers, state, meter, saver } = this.#parts;
    const result = await meter.measure(operation, undefined, async () => {
      const done = await workers.primary.call(send, allowanceMs);
      return { value: done, workerMs: done.workerMs };
    });
    state.wrote(result);
    if (operation === 'upsert' || result.changed > 0) saver.scheduleAutosave();
    return result.changed;
  }
}
