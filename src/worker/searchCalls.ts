import { VicinityError } from '../core/VicinityError.js';
import type { RawHit, SearchRequest, TextRequest, Timed } from '../core/protocol.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import { answerText } from '../search/answerText.js';
import { assertTextRequest } from '../search/searchMode.js';
import { assertTexts } from '../text/assertTexts.js';
import type { TextIndex } from '../text/TextIndex.js';
import { assertSearchRequest } from '../validation/validateInput.js';

/*
 * The searches a worker answers, the primary's and a replica's alike: each
 * checks what crossed from the page (it may come from any code that posts
 * to the worker), then answers with the worker's own compute time.
 */

/** Runs `compute` and returns its value with the time it took. */
export function timed<T>(compute: () => T): Timed<T> {
  const startedAt = performance.now();
  const value = compute();
  return { value, workerMs: performance.now() - startedAt };
}

/** `count` queries packed in `queries`, answered by `answer` (a graph search unless given). */
export function searchMany(
  collection: VectorCollection,
  queries: Float32Array,
  count: number,
  request: SearchRequest,
  answer: () => RawHit[][] = () => collection.searchBatch(queries, count, request),
): Timed<RawHit[][]> {
  return timed(() => {
    assertSearchRequest(request);
    if (!Number.isSafeInteger(count) || count < 0)
      throw new VicinityError('INVALID_VECTOR', 'bad query count');
    collection.assertQuery(queries, count);
    return answer();
  });
}

/**
 * Text or hybrid queries (see answerText): `texts` one per query, and for
 * hybrid their vectors packed in `vectors`.
 */
export async function searchText(
  collection: VectorCollection,
  text: TextIndex,
  texts: string[],
  vectors: Float32Array | null,
  request: SearchRequest,
  mode: TextRequest,
): Promise<Timed<RawHit[][]>> {
  const startedAt = performance.now();
  assertSearchRequest(request);
  assertTextRequest(mode);
  assertTexts(texts, Array.isArray(texts) ? texts.length : 0, true);
  if (mode.mode === 'hybrid') collection.assertQuery(vectors, texts.length);
  // BM25's document frequencies count removed items until they are swept:
  // the first text search after a write sweeps them, so that scores are exact.
  await text.compact();
  const value = answerText(collection, text, texts, vectors, request, mode);
  return { value, workerMs: performance.now() - startedAt };
}
