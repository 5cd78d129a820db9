import { VicinityError } from '../core/VicinityError.js';
import { textForWorker } from '../text/textOptions.js';
import type { VectorLike } from '../core/types.js';

/**
 * Splits text or hybrid queries into what the worker needs: a text per
 * query, and for hybrid a vector (or a text for `embed`) per query. A text
 * search takes strings; a hybrid one a string (embedded, and searched as
 * text) or `{ vector, text }`.
 */
export function splitTextQueries(
  queries: readonly unknown[],
  mode: 'text' | 'hybrid',
  tokenize: ((text: string) => string[]) | undefined,
): { texts: string[]; vectorQueries: (VectorLike | string)[]; raw: string[] } {
  const texts: string[] = [];
  const raw: string[] = [];
  const vectorQueries: (VectorLike | string)[] = [];
  queries.forEach((q, i) => {
    const where = queries.length === 1 ? 'query' : `queries[${i}]`;
    if (typeof q === 'string') {
      raw.push(q);
      texts.push(textForWorker(q, tokenize, where));
      if (mode === 'hybrid') vectorQueries.push(q);
      return;
    }
    if (mode === 'text') {
      throw new VicinityError('INVALID_TEXT', `${where}: a text search takes a string`);
    }
    const hybrid = q as { vector?: unknown; text?: unknown } | null;
    if (
      typeof hybrid !== 'object' ||
      hybrid === null ||
      Array.isArray(hybrid) ||
      ArrayBuffer.isView(hybrid)
    ) {
      throw new VicinityError(
        'INVALID_TEXT',
        `${where}: a hybrid search takes a string or { vector, text }`,
      );
    }
    for (const key of Object.keys(hybrid)) {
      if (key !== 'vector' && key !== 'text') {
        throw new VicinityError(
          'INVALID_TEXT',
          `${where}: unknown key ${JSON.stringify(key)}; a hybrid query is { vector, text }`,
        );
      }
    }
    raw.push(String(hybrid.text));
    texts.push(textForWorker(hybrid.text, tokenize, `${where}.text`));
    vectorQueries.push(hybrid.vector as VectorLike);
  });
  return { texts, vectorQueries, raw };
}
