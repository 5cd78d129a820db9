import { VicinityError } from '../core/VicinityError.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import { TextIndex } from './TextIndex.js';
import { type TextConfig } from '../core/protocol.js';

export const DEFAULT_TEXT_CONFIG: TextConfig = { fields: [], tokenizer: 'english' };

/**
 * The text index of an index being opened. A saved one that holds text fixes
 * the configuration: another one requested fails with INCOMPATIBLE_OPTIONS
 * (its terms would not match). Otherwise (a new index, or a snapshot without
 * text) the requested one is built, over the metadata of the items already
 * there when it names fields.
 */
export function openText(
  requested: TextConfig | undefined,
  saved: unknown,
  collection: VectorCollection,
): TextIndex {
  if (saved !== undefined) {
    const index = TextIndex.fromSnapshot(saved);
    if (index.size > 0 || requested === undefined) {
      if (requested !== undefined && !sameConfig(requested, index.config)) {
        throw new VicinityError(
          'INCOMPATIBLE_OPTIONS',
          `the index holds text indexed with ${describe(index.config)}, not ${describe(requested)}`,
        );
      }
      return index;
    }
  }
  const index = TextIndex.create(requested ?? DEFAULT_TEXT_CONFIG);
  if (index.config.fields.length > 0) {
    for (const id of collection.ids()) index.set(id, undefined, collection.metadataOf(id));
  }
  return index;
}

export function sameConfig(a: TextConfig, b: TextConfig): boolean {
  return a.tokenizer === b.tokenizer && a.fields.join('\u0000') === b.fields.join('\u0000');
}

function describe(config: TextConfig): string {
  const fields = config.fields.length === 0 ? 'no fields' : `fields ${config.fields.join(', ')}`;
  return `tokenizer ${config.tokenizer} and ${fields}`;
}
