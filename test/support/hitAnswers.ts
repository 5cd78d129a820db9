import fc from 'fast-check';
import type { RawHit } from '../../src/core/protocol.js';
import type { Metadata } from '../../src/core/types.js';

/**
 * Answers of a search, as the worker builds them: up to 6 queries of up to
 * 12 hits, with any doubles, and metadata on some hits. `ids` and
 * `metadata` say what ids and what metadata a test needs.
 */
export function hitAnswers(ids: fc.Arbitrary<string>, metadata: fc.Arbitrary<Metadata>) {
  const hit = fc
    .record({
      id: ids,
      distance: fc.double(),
      score: fc.double(),
      metadata: fc.option(metadata, { nil: undefined }),
    })
    .map(({ id, distance, score, metadata }) => {
      const one: RawHit = { id, distance, score };
      if (metadata !== undefined) one.metadata = metadata;
      return one;
    });
  return fc.array(fc.array(hit, { maxLength: 12 }), { maxLength: 6 });
}

/** Metadata of any JSON values. */
export const anyMetadata = fc.dictionary(
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  {
    maxKeys: 4,
  },
) as fc.Arbitrary<Metadata>;
