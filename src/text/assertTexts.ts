import { VicinityError } from '../core/VicinityError.js';
import { MAX_TEXT_LENGTH } from './textOptions.js';

/** The worker's check of the texts of a batch: one per item (undefined: none), or one per query. */
export function assertTexts(texts: unknown, count: number, required = false): void {
  if (!Array.isArray(texts) || texts.length !== count) {
    throw new VicinityError(
      'INVALID_TEXT',
      `one text per ${required ? 'query' : 'item'} is expected`,
    );
  }
  texts.forEach((t: unknown, i) => {
    if (t === undefined && !required) return;
    if (typeof t !== 'string' || t.length > MAX_TEXT_LENGTH) {
      throw new VicinityError(
        'INVALID_TEXT',
        `texts[${i}] must be a string of at most ${MAX_TEXT_LENGTH} characters`,
      );
    }
  });
}
