import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatMs,
  formatPercent,
  recentThroughput,
  timelineColumns,
} from '../../src/dashboard/figures.js';
import type { Operation, OperationRecord } from '../../src/monitor/operations.js';

const operation = fc.constantFrom<Operation>('search', 'searchBatch', 'loadtest', 'upsert', 'save');
const record = fc.record({
  operation,
  startedAt: fc.integer({ min: 0, max: 200_000 }),
  totalMs: fc.double({ min: 0, max: 3000, noNaN: true }),
});

describe('timelineColumns', () => {
  it('puts each operation in the second it finished in; latency only for queries', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 200 }),
        fc.integer({ min: 0, max: 200_000 }),
        (records, now) => {
          const [x, p50, p95, counts] = timelineColumns(records, now, 120);
          expect(x).toHaveLength(120);
          expect(x[0]).toBe(-119);
          expect(x[119]).toBe(0);
          // Oracle: the second of each finish, counted from the end of the current second.
          const secondOf = (r: OperationRecord) => Math.floor((r.startedAt + r.totalMs) / 1000);
          const last = Math.floor(now / 1000);
          for (let i = 0; i < 120; i++) {
            const inSecond = records.filter((r) => secondOf(r) === last - 119 + i);
            expect(counts[i]).toBe(inSecond.length);
            const queries = inSecond
              .filter((r) => r.operation !== 'upsert' && r.operation !== 'save')
              .map((r) => r.totalMs)
              .sort((a, b) => a - b);
            const rank = (p: number) => queries[Math.ceil((p / 100) * queries.length) - 1];
            expect(p50[i]).toBe(queries.length ? rank(50) : null);
            expect(p95[i]).toBe(queries.length ? rank(95) : null);
          }
        },
      ),
    );
  });
});

describe('formatting', () => {
  it('keeps two significant digits of milliseconds and names the unit', () => {
    expect(formatMs(0.4242)).toBe('0.42 ms');
    expect(formatMs(4.24)).toBe('4.2 ms');
    expect(formatMs(42.4)).toBe('42 ms');
    expect(formatMs(1234)).toBe('1.2 s');
    expect(formatMs(undefined)).toBe('–');
    expect(formatPercent(0.004)).toBe('0.4 %');
    expect(formatPercent(0.25)).toBe('25 %');
    expect(formatPercent(null)).toBe('–');
  });

  it('counts throughput over the last seconds only', () => {
    const records: OperationRecord[] = [0, 5_000, 9_500, 10_400].map((t) => ({
      operation: 'search',
      startedAt: t,
      totalMs: 100,
    }));
    expect(recentThroughput(records, 15_000, 10)).toBe(3 / 10);
  });
});
