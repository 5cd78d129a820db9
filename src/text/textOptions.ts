import { VicinityError } from '../core/VicinityError.js';
import type { TextConfig, TokenizerName } from '../core/protocol.js';

/**
 * The `text` option of `VectorIndex.open`: what is indexed for full-text
 * search beside each item's own `text`. Fixed once the index holds text: a
 * reopen with other fields or another tokenizer fails with INCOMPATIBLE_OPTIONS.
 */
export interface TextOptions {
  /** Top-level metadata fields indexed as text (strings, numbers, arrays of them). @default [] */
  fields?: readonly string[];
  /**
   * `'english'` (stop words, Porter stemming), `'simple'` (lower-case words),
   * or a function that splits a text into terms. A function runs on the page,
   * over item text and query text alike (it cannot cross to the worker, nor
   * be saved): pass the same one at every open. It cannot be combined with
   * `fields`, which the worker tokenises. @default 'english'
   */
  tokenizer?: TokenizerName | ((text: string) => string[]);
}

/** The text option once checked: the worker's part and the page's tokenizer, if a function. */
export interface ResolvedText {
  readonly config: TextConfig | undefined;
  readonly tokenize: ((text: string) => string[]) | undefined;
}

/** Characters of one item's text, or of one text query. */
export const MAX_TEXT_LENGTH = 1_048_576;
const MAX_FIELDS = 64;

export function resolveTextOptions(text: unknown): ResolvedText {
  if (text === undefined) return { config: undefined, tokenize: undefined };
  if (typeof text !== 'object' || text === null || Array.isArray(text)) {
    throw new VicinityError('INVALID_OPTIONS', 'text must be an object such as { fields: [] }');
  }
  for (const key of Object.keys(text)) {
    if (key !== 'fields' && key !== 'tokenizer') {
      throw new VicinityError(
        'INVALID_OPTIONS',
        `unknown text option "${key}"; the options are fields, tokenizer`,
      );
    }
  }
  const { fields = [], tokenizer = 'english' } = text as TextOptions;
  if (
    !Array.isArray(fields) ||
    fields.length > MAX_FIELDS ||
    !fields.every((f) => typeof f === 'string' && f.length > 0 && f.length <= 200) ||
    new Set(fields).size !== fields.length
  ) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `text.fields must be an array of at most ${MAX_FIELDS} distinct metadata field names`,
    );
  }
  if (typeof tokenizer === 'function') {
    if (fields.length > 0) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        "a tokenizer function runs on the page and cannot tokenise text.fields in the worker: put that text in the items' text",
      );
    }
    return { config: { fields: [], tokenizer: 'pretokenized' }, tokenize: tokenizer };
  }
  if (tokenizer !== 'english' && tokenizer !== 'simple') {
    throw new VicinityError(
      'INVALID_OPTIONS',
      "text.tokenizer must be 'english', 'simple' or a function",
    );
  }
  return { config: { fields: [...fields], tokenizer }, tokenize: undefined };
}

/** A text as the worker is sent it: checked, and split into terms on the page under a tokenizer function. */
export function textForWorker(
  text: unknown,
  tokenize: ((text: string) => string[]) | undefined,
  where: string,
  code: 'INVALID_TEXT' = 'INVALID_TEXT',
): string {
  if (typeof text !== 'string') throw new VicinityError(code, `${where}: text must be a string`);
  if (text.length > MAX_TEXT_LENGTH) {
    throw new VicinityError(
      code,
      `${where}: text is ${text.length} characters, over the limit of ${MAX_TEXT_LENGTH}`,
    );
  }
  if (!tokenize) return text;
  let terms: unknown;
  try {
    terms = tokenize(text);
  } catch (error) {
    throw new VicinityError(code, `${where}: the tokenizer threw`, { cause: error });
  }
  if (!Array.isArray(terms) || !terms.every((t) => typeof t === 'string')) {
    throw new VicinityError(code, `${where}: the tokenizer must return an array of strings`);
  }
  // Terms travel joined by spaces: a space inside one would split it.
  return terms.map((t: string) => t.replace(/\s+/g, '_')).join(' ');
}

/**
 * The page's tokenizer function, when the index's text is tokenised on the
 * page (the worker said `'pretokenized'` on open); INVALID_OPTIONS when the
 * index needs one and this open passed none.
 */
export function pageTokenizer(
  name: string,
  text: ResolvedText,
  config: TextConfig | undefined,
): ((text: string) => string[]) | undefined {
  if (config?.tokenizer === 'pretokenized' && !text.tokenize) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `index "${name}" tokenises text with a function on the page: pass it as text.tokenizer`,
    );
  }
  return text.tokenize;
}

/** Items' texts for the worker, or undefined when no item of the batch has any. */
export function itemTexts(
  items: readonly { readonly text?: string }[],
  tokenizer: () => ((text: string) => string[]) | undefined,
): (string | undefined)[] | undefined {
  if (!items.some((item) => item.text !== undefined)) return undefined;
  const tokenize = tokenizer();
  return items.map((item, i) =>
    item.text === undefined ? undefined : textForWorker(item.text, tokenize, `items[${i}]`),
  );
}
