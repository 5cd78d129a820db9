import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Metadata } from '../../src/core/types.js';
import { fromColumns, toColumns } from '../../src/core/searchWire.js';
import { LaneState, SharedLane, laneCarries } from '../../src/core/sharedLane.js';
import { anyMetadata, hitAnswers } from '../support/hitAnswers.js';

const answers = hitAnswers(
  // Any UTF-16, lone surrogates too.
  fc.string({ unit: 'binary', maxLength: 12 }),
  // Metadata as upsert admits it: JSON that JSON gives back unchanged (no -0).
  anyMetadata.map((value) => JSON.parse(JSON.stringify(value)) as Metadata),
);

it('an answer comes out of the lane as it went in, bit for bit, and frees the lane', () => {
  const lane = new SharedLane();
  fc.assert(
    fc.property(answers, fc.double(), (hits, workerMs) => {
      const { columns } = toColumns(hits);
      expect(lane.answer(columns, workerMs)).toBe(true);
      expect(lane.state).toBe(LaneState.Answered);
      const read = lane.read();
      expect(lane.state).toBe(LaneState.Idle);
      expect(Object.is(read.workerMs, workerMs)).toBe(true);
      const back = fromColumns(read);
      expect(back).toEqual(hits);
      back.flat().forEach((x, i) => {
        const sent = hits.flat()[i]!;
        expect(Object.is(x.distance, sent.distance)).toBe(true);
        expect(Object.is(x.score, sent.score)).toBe(true);
      });
    }),
  );
});

it('a request is taken only once the messages posted before it have been read, and only once', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 20 }),
      fc.float32Array({ maxLength: 64 }),
      fc.double(),
      fc.option(fc.double(), { nil: undefined }),
      (posted, queries, k, efSearch) => {
        const lane = new SharedLane();
        for (let i = 0; i < posted; i++) lane.countPosted(1);
        lane.request(9, 'replica', queries, 3, { k, efSearch });
        if (posted > 0) expect(lane.take(posted - 1)).toBeUndefined();
        const taken = lane.take(posted);
        expect(taken).toBeDefined();
        expect(lane.take(posted)).toBeUndefined();
        expect(lane.state).toBe(LaneState.Taken);
        const { call, to, count, request } = taken!;
        expect({ call, to, count }).toEqual({ call: 9, to: 'replica', count: 3 });
        expect(Object.is(request.k, k)).toBe(true);
        expect(request.efSearch === undefined).toBe(efSearch === undefined);
        if (efSearch !== undefined) expect(Object.is(request.efSearch, efSearch)).toBe(true);
        expect(Buffer.from(taken!.queries.buffer)).toEqual(
          Buffer.from(queries.buffer, queries.byteOffset, queries.byteLength),
        );
        expect(taken!.queries.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      },
    ),
  );
});

it('what does not fit, or is not plain numbers without a filter, stays off the lane', () => {
  const lane = new SharedLane();
  const many = [
    Array.from({ length: 1000 }, (_, i) => ({ id: 'x'.repeat(120) + i, distance: i, score: -i })),
  ];
  expect(lane.answer(toColumns(many).columns, 1)).toBe(false);
  expect(lane.state).toBe(LaneState.Idle);
  const fits = new Float32Array(16 * 1024);
  expect(laneCarries(fits, 16, { k: 10 })).toBe(true);
  expect(laneCarries(new Float32Array(16 * 1024 + 1), 1, { k: 10 })).toBe(false);
  expect(laneCarries(fits, 1, { k: 10, filter: { a: 1 } })).toBe(false);
  expect(laneCarries(fits, 1, { k: '10' as never })).toBe(false);
  expect(laneCarries(fits, 1, { k: 10, efSearch: '64' as never })).toBe(false);
});
