import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  fromColumns,
  isHitsMessage,
  isSearchMessage,
  requestOf,
  searchMessage,
  toColumns,
} from '../../src/core/searchWire.js';
import { anyMetadata, hitAnswers } from '../support/hitAnswers.js';

const answers = hitAnswers(fc.string({ maxLength: 12 }), anyMetadata);

it('hits come back from their columns as they went in: values, -0 and NaN, metadata, field order', () => {
  fc.assert(
    fc.property(answers, (hits) => {
      const { columns } = toColumns(hits);
      const back = fromColumns(structuredClone(columns));
      expect(back).toEqual(hits);
      expect(back.map((h) => h.map((x) => Object.keys(x)))).toEqual(
        hits.map((h) => h.map((x) => Object.keys(x))),
      );
      back.flat().forEach((x, i) => {
        const sent = hits.flat()[i]!;
        expect(Object.is(x.distance, sent.distance)).toBe(true);
        expect(Object.is(x.score, sent.score)).toBe(true);
      });
    }),
  );
});

it('columns are typed arrays and list metadata only where a hit has some', () => {
  const { columns, transfer } = toColumns([
    [
      { id: 'a', distance: 0.5, score: 0.5 },
      { id: 'b', distance: 1, score: 0, metadata: { x: 1 } },
    ],
    [],
    [{ id: 'c', distance: 2, score: -1 }],
  ]);
  expect(columns.ids).toEqual(['a', 'b', 'c']);
  expect(columns.distances).toBeInstanceOf(Float64Array);
  expect([...columns.counts]).toEqual([2, 0, 1]);
  expect([...columns.metadataAt!]).toEqual([1]);
  expect(columns.metadata).toEqual([{ x: 1 }]);
  expect(transfer).toHaveLength(4);
  expect(toColumns([[{ id: 'a', distance: 0, score: 1 }]]).columns).not.toHaveProperty('metadata');
});

it('a search message carries the request, and only the fields set', () => {
  const queries = new Float32Array(4);
  const plain = searchMessage(7, 'replica', queries, 2, { k: 3 });
  expect(plain).toEqual({ vicinity: 'search', call: 7, to: 'replica', queries, count: 2, k: 3 });
  expect(Object.keys(plain)).not.toContain('filter');
  const full = searchMessage(8, 'index', queries, 1, { k: 1, efSearch: 40, filter: { a: 1 } });
  expect(requestOf(full)).toEqual({ k: 1, efSearch: 40, filter: { a: 1 } });
  expect(isSearchMessage(full)).toBe(true);
  expect(isHitsMessage(full)).toBe(false);
  expect(isSearchMessage({ type: 'APPLY', path: ['index', 'search'] })).toBe(false);
  expect(isSearchMessage(null)).toBe(false);
});
