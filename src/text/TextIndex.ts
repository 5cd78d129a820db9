import MiniSearch, { type AsPlainObject, type Options } from 'minisearch';
import { VicinityError } from '../core/VicinityError.js';
import type { Metadata } from '../core/types.js';
import { tokenize } from './tokenize.js';
import { TOKENIZER_NAMES } from '../core/protocol.js';
import type { TextConfig } from '../core/protocol.js';

/** The text index as a snapshot's sidecar holds it. */
export interface TextSnapshot {
  readonly version: 1;
  readonly config: TextConfig;
  /** MiniSearch's own serialisation (`toJSON`). */
  readonly index: AsPlainObject;
}

/** A text match: an item's id and its BM25 score. */
export interface TextMatch {
  readonly id: string;
  readonly score: number;
}

/** The item's own text; metadata fields are `m.<name>`, so that a field named `text` cannot clash. */
const TEXT_FIELD = 't';
const fieldName = (field: string) => `m.${field}`;

type TextDocument = { id: string } & Record<string, string>;

/**
 * Full-text search over items' text and chosen metadata fields: BM25 as
 * MiniSearch computes it (k 1.2, b 0.7, d 0.5: BM25+), terms of any field
 * combined with OR. Keyed by the items' ids; the vectors' collection knows
 * nothing of it. Removal is MiniSearch's `discard`, which needs no copy of
 * the text: the postings of removed items are swept by `compact()`, which
 * a save runs before it serialises.
 */
export class TextIndex {
  readonly config: TextConfig;
  #search: MiniSearch<TextDocument>;

  private constructor(config: TextConfig, search: MiniSearch<TextDocument>) {
    this.config = config;
    this.#search = search;
  }

  static create(config: TextConfig): TextIndex {
    return new TextIndex(config, new MiniSearch(options(config)));
  }

  /** Restores a saved text index; INDEX_CORRUPTED when it is not one. */
  static fromSnapshot(snapshot: unknown): TextIndex {
    const s = snapshot as Partial<TextSnapshot> | null;
    const config = s?.config;
    const valid =
      typeof s === 'object' &&
      s !== null &&
      s.version === 1 &&
      typeof config === 'object' &&
      config !== null &&
      Array.isArray(config.fields) &&
      config.fields.every((f) => typeof f === 'string') &&
      TOKENIZER_NAMES.includes(config.tokenizer) &&
      typeof s.index === 'object' &&
      s.index !== null;
    if (!valid)
      throw new VicinityError('INDEX_CORRUPTED', 'the text index of the snapshot is malformed');
    try {
      return new TextIndex(config, MiniSearch.loadJS(s.index as AsPlainObject, options(config)));
    } catch (error) {
      throw new VicinityError('INDEX_CORRUPTED', 'the text index of the snapshot is unreadable', {
        cause: error,
      });
    }
  }

  /** Items that have text to search. */
  get size(): number {
    return this.#search.documentCount;
  }

  /**
   * Sets the text of an item, replacing what it had: its `text` and the
   * configured fields of its metadata. An item with neither is left out.
   */
  set(id: string, text: string | undefined, metadata: Metadata | undefined): void {
    if (this.#search.has(id)) this.#search.discard(id);
    const doc: TextDocument = { id } as TextDocument;
    let any = false;
    if (text !== undefined && text.length > 0) {
      doc[TEXT_FIELD] = text;
      any = true;
    }
    for (const field of this.config.fields) {
      const value = fieldText(metadata?.[field]);
      if (value !== undefined) {
        doc[fieldName(field)] = value;
        any = true;
      }
    }
    if (any) this.#search.add(doc);
  }

  remove(id: string): void {
    if (this.#search.has(id)) this.#search.discard(id);
  }

  /** The best `limit` matches of `query` among the items `accept` takes, best first. */
  search(query: string, limit: number, accept?: (id: string) => boolean): TextMatch[] {
    if (limit <= 0) return [];
    const found = this.#search.search(query, accept ? { filter: (r) => accept(r.id) } : {});
    const out: TextMatch[] = [];
    for (const r of found) {
      if (out.length === limit) break;
      out.push({ id: r.id, score: r.score });
    }
    return out;
  }

  /** Sweeps the postings of removed and replaced items out of the index. */
  async compact(): Promise<void> {
    if (this.#search.dirtCount === 0) return;
    await this.#search.vacuum({ batchSize: Number.MAX_SAFE_INTEGER, batchWait: 1 });
  }

  toSnapshot(): TextSnapshot {
    return { version: 1, config: this.config, index: this.#search.toJSON() };
  }
}

function options(config: TextConfig): Options<TextDocument> {
  return {
    idField: 'id',
    fields: [TEXT_FIELD, ...config.fields.map(fieldName)],
    storeFields: [],
    tokenize: (text: string) => tokenize(text, config.tokenizer),
    // The tokenizer did all the work.
    processTerm: (term: string) => term,
    // Removals are swept by compact(), inside the worker's queue, never by a timer of MiniSearch's.
    autoVacuum: false,
    logger: () => undefined,
  };
}

/** A metadata value as text: strings, numbers and arrays of them; anything else is not text. */
function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(fieldText).filter((v): v is string => v !== undefined);
    return parts.length > 0 ? parts.join(' ') : undefined;
  }
  return undefined;
}
