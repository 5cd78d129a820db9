import { compileFilter } from '../filter/compileFilter.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import type { RawHit, SearchRequest } from '../core/protocol.js';
import type { TextIndex } from '../text/TextIndex.js';
import { fuse, type Ranked } from './fuse.js';
import type { TextRequest } from '../core/protocol.js';

/**
 * Answers text and hybrid queries in the worker. The filter runs on both
 * sides, and each side returns `candidates` (≥ k) items that pass it: the
 * union then holds k items whenever k match, as the vector side alone
 * returns k whenever k match (VectorCollection ranks the matches exactly
 * when the graph walk falls short).
 *
 * Hits carry `ranks` (1-based, null where a side did not return the item).
 * A text hit's score is its BM25 score; a hybrid hit's is the fused score;
 * `distance` is the vector distance where the vector side found the item,
 * and NaN where no vector was compared.
 */
export function answerText(
  collection: VectorCollection,
  text: TextIndex,
  queries: readonly string[],
  vectors: Float32Array | null,
  request: SearchRequest,
  mode: TextRequest,
): RawHit[][] {
  const k = Math.min(request.k, collection.size);
  if (k === 0) return queries.map(() => []);
  const predicate = request.filter === undefined ? undefined : compileFilter(request.filter);
  const accept = predicate && ((id: string) => predicate(collection.metadataOf(id)));
  const textSide = queries.map((q) =>
    text.search(q, mode.mode === 'text' ? k : mode.candidates, accept),
  );
  if (mode.mode === 'text') {
    return textSide.map((matches) =>
      matches.map((m, i) =>
        withMetadata(collection, {
          id: m.id,
          score: m.score,
          distance: Number.NaN,
          ranks: { vector: null, text: i + 1 },
        }),
      ),
    );
  }
  const vectorSide = collection.searchBatch(vectors as Float32Array, queries.length, {
    k: mode.candidates,
    filter: request.filter,
    efSearch: request.efSearch,
  });
  const l2 = collection.params.metric === 'l2';
  return queries.map((_, q) => {
    const hits = vectorSide[q] ?? [];
    const byId = new Map(hits.map((h) => [h.id, h]));
    // Max-normalised weighting needs scores ≥ 0: under l2 the score is -distance.
    const ranked: Ranked[] = hits.map((h) => ({
      id: h.id,
      score: l2 ? 1 / (1 + h.distance) : h.score,
    }));
    return fuse(ranked, textSide[q] ?? [], mode.fusion, k).map((f) => {
      const found = byId.get(f.id);
      const hit: RawHit = {
        id: f.id,
        score: f.score,
        distance: found ? found.distance : Number.NaN,
        ranks: { vector: f.vectorRank, text: f.textRank },
      };
      return withMetadata(collection, hit);
    });
  });
}

function withMetadata(collection: VectorCollection, hit: RawHit): RawHit {
  const metadata = collection.metadataOf(hit.id);
  if (metadata !== undefined) hit.metadata = metadata;
  return hit;
}
