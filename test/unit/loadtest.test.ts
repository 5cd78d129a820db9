import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunningHistogram } from '../../src/loadtest/RunningHistogram.js';
import { LOAD_TEST_LIMITS, loadTestPlan } from '../../src/loadtest/loadTestPlan.js';
import { MAX_MATERIALISED_VARIANTS, queryVariations } from '../../src/loadtest/queryVariations.js';
import { VariantPool } from '../../src/loadtest/VariantPool.js';

describe('RunningHistogram', () => {
  it('reads a quantile within its growth factor of the sorted oracle, and the exact maximum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.002, max: 60_000, noNaN: true }), {
          minLength: 1,
          maxLength: 500,
        }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (values, q) => {
          const sorted = [...values].sort((a, b) => a - b);
          const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
          for (const growth of [1.05, 1.01]) {
            const h = new RunningHistogram(growth);
            for (const v of values) h.add(v);
            const read = h.quantile(q);
            expect(read).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
            expect(read).toBeLessThanOrEqual(exact * growth * (1 + 1e-9));
            expect(h.max).toBe(sorted.at(-1));
            expect(h.quantile(1)).toBe(sorted.at(-1));
          }
        },
      ),
    );
  });
});

describe('queryVariations', () => {
  it('keeps each vector and adds copies at the asked distance, the same for the same seed', () => {
    const base = [Float32Array.from({ length: 100 }, (_, i) => Math.sin(i))];
    const out = queryVariations(base, { perQuery: 50, noise: 0.05, seed: 7 });
    expect(out).toHaveLength(51);
    expect(out[0]).toEqual(base[0]);
    const rms = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    const distances = (out.slice(1) as Float32Array[]).map((v) =>
      rms(v.map((x, i) => x - base[0]![i]!)),
    );
    const mean = distances.reduce((a, b) => a + b, 0) / distances.length;
    // Noise 0.05 of the RMS component, per component: the copies sit about that far.
    expect(mean / rms(base[0]!)).toBeGreaterThan(0.04);
    expect(mean / rms(base[0]!)).toBeLessThan(0.06);
    expect(queryVariations(base, { perQuery: 50, noise: 0.05, seed: 7 })).toEqual(out);
    expect(queryVariations(base, { perQuery: 50, noise: 0.05, seed: 8 })).not.toEqual(out);
  });

  it('rewrites text as a person might ask again', () => {
    const out = queryVariations(['A Large Body of Salt Water'], { perQuery: 4 });
    expect(out[0]).toBe('A Large Body of Salt Water');
    expect(out[1]).toBe('a large body of salt water');
    expect(out[2]).toMatch(/^(find|what is|show me|something like|a word for) A Large Body/);
    expect((out[3] as string).split(' ')).toHaveLength(5); // one word dropped
    expect((out[4] as string).split(' ').sort()).toEqual(
      'A Large Body of Salt Water'.split(' ').sort(),
    );
    expect(out[4]).not.toBe(out[0]);
  });

  it('refuses bad options with INVALID_OPTIONS', () => {
    for (const options of [
      { perQuery: -1 },
      { perQuery: 1.5 },
      { perQuery: 1e9 },
      { perQuery: '3' },
      { noise: Number.NaN },
      { noise: -0.1 },
      { noise: 11 },
      { seed: -1 },
      { seed: 2 ** 32 },
      { perQuerry: 3 },
    ])
      expect(() => queryVariations(['x'], options as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
  });

  it('makes at most 100,000 queries and variants at once', () => {
    const queries = Array.from({ length: 100 }, (_, i) => `query ${i}`);
    expect(
      queryVariations(queries, { perQuery: MAX_MATERIALISED_VARIANTS / 100 - 1 }),
    ).toHaveLength(MAX_MATERIALISED_VARIANTS);
    expect(() => queryVariations(queries, { perQuery: MAX_MATERIALISED_VARIANTS / 100 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('VariantPool', () => {
  const base = [Float32Array.from({ length: 100 }, (_, i) => Math.cos(i)), 'a large body of water'];

  it('makes a variant when asked, the same every time, as queryVariations would', () => {
    const pool = new VariantPool(base, { perQuery: 1_000_000, seed: 3 });
    expect(pool.size).toBe(2 * 1_000_001);
    const far = pool.variant(0, 999_999) as Float32Array;
    expect(far).toHaveLength(100);
    expect(pool.variant(0, 999_999)).toEqual(far);
    expect(pool.variant(0, 999_998)).not.toEqual(far);
    expect(pool.variant(1, 0)).toBe('a large body of water');
    expect(() => pool.variant(0, 1_000_001)).toThrow(RangeError);
    const small = new VariantPool(base, { perQuery: 4, seed: 3 });
    expect(queryVariations(base, { perQuery: 4, seed: 3 })).toEqual(
      [0, 1].flatMap((q) => [0, 1, 2, 3, 4].map((v) => small.variant(q, v))),
    );
  });

  it('picks every query and variant, and only those', () => {
    const pool = new VariantPool(['a b c', 'd e f'], { perQuery: 4 });
    const every = new Set([0, 1].flatMap((q) => [0, 1, 2, 3, 4].map((v) => pool.variant(q, v))));
    let state = 0;
    const random = () => (state = (state * 7 + 3) % 101) / 101;
    const picked = new Set(Array.from({ length: 2000 }, () => pool.pick(random)));
    expect(picked).toEqual(every);
    expect(new VariantPool(['x', 'y'], false).size).toBe(2);
  });
});

describe('loadTestPlan', () => {
  const index = { dimensions: 3, metric: 'cosine' as const };
  const queries = [[1, 0, 0]];
  const plan = (options: Record<string, unknown>) => loadTestPlan({ queries, ...options }, index);
  const code = (options: unknown) => {
    try {
      loadTestPlan(options, index);
      return 'accepted';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('takes defaults, and copies the queries and search options it checked', () => {
    const filter = { genre: 'x' };
    const p = plan({ search: { k: 5, filter } });
    expect(p).toMatchObject({
      users: 4,
      requests: undefined,
      durationMs: 10_000,
      rampUpMs: 0,
      thinkMin: 0,
      thinkMax: 0,
      progressEveryMs: 250,
      seed: 1,
      search: { k: 5, filter: { genre: 'x' } },
    });
    filter.genre = 'y';
    expect(p.search.filter).toEqual({ genre: 'x' });
    expect(p.pool.variant(0, 0)).toEqual(new Float32Array([1, 0, 0]));
    expect(p.pool.size).toBe(4);
    // Requests alone: the test still ends after an hour.
    expect(plan({ requests: 10 }).durationMs).toBe(LOAD_TEST_LIMITS.durationMs);
    expect(plan({ thinkTimeMs: [2, 5] })).toMatchObject({ thinkMin: 2, thinkMax: 5 });
  });

  it('refuses each bad or unknown option with INVALID_OPTIONS', () => {
    const bad: Record<string, unknown>[] = [
      { usres: 4 },
      { users: 0 },
      { users: 1025 },
      { users: 2.5 },
      { users: '4' },
      { requests: 0 },
      { requests: 10_000_001 },
      { requests: Number.NaN },
      { durationMs: 0 },
      { durationMs: -5 },
      { durationMs: 3_600_001 },
      { durationMs: Infinity },
      { rampUpMs: -1 },
      { rampUpMs: 3_600_001 },
      { thinkTimeMs: -1 },
      { thinkTimeMs: 60_001 },
      { thinkTimeMs: [5, 2] },
      { thinkTimeMs: [1, 2, 3] },
      { thinkTimeMs: '5' },
      { progressEveryMs: 0 },
      { progressEveryMs: 60_001 },
      { seed: -1 },
      { seed: 0.5 },
      { signal: {} },
      { onProgress: 'log' },
      { variations: { perQuery: 1e9 } },
      { variations: { perQuery: -1 } },
      { variations: { noise: -1 } },
      { variations: { extra: 1 } },
      { variations: 3 },
      { search: 10 },
      { search: { k: 10, mode: 'text' } },
    ];
    for (const options of bad)
      expect([options, code({ queries, ...options })]).toEqual([options, 'INVALID_OPTIONS']);
    for (const options of [null, 5, 'queries', undefined, {}, { queries: [] }, { queries: 'q' }])
      expect(code(options)).toBe('INVALID_OPTIONS');
    expect(code({ queries: Array(LOAD_TEST_LIMITS.queries + 1).fill('q') })).toBe(
      'INVALID_OPTIONS',
    );
    expect(code({ queries: [''] })).toBe('INVALID_OPTIONS');
    expect(code({ queries: ['x'.repeat(LOAD_TEST_LIMITS.textLength + 1)] })).toBe(
      'INVALID_OPTIONS',
    );
  });

  it('refuses a bad search option or query with the code a search would fail with', () => {
    expect(code({ queries, search: { k: 0 } })).toBe('INVALID_K');
    expect(code({ queries, search: { k: 2.5 } })).toBe('INVALID_K');
    expect(code({ queries, search: { efSearch: -1 } })).toBe('INVALID_EF');
    expect(code({ queries, search: { filter: { $gt: 1 } } })).toBe('INVALID_FILTER');
    expect(code({ queries, search: { filter: { a: () => true } } })).toBe('FUNCTION_FILTER');
    expect(code({ queries: [[1, 0]] })).toBe('DIMENSION_MISMATCH');
    expect(code({ queries: [[0, 0, 0]] })).toBe('INVALID_VECTOR'); // no direction for cosine
    expect(code({ queries: [[1, Number.NaN, 0]] })).toBe('INVALID_VECTOR');
    expect(code({ queries: [{}] })).toBe('INVALID_VECTOR');
  });

  it('accepts the largest sizes it documents', () => {
    expect(
      code({
        queries,
        users: LOAD_TEST_LIMITS.users,
        requests: LOAD_TEST_LIMITS.requests,
        durationMs: LOAD_TEST_LIMITS.durationMs,
        rampUpMs: LOAD_TEST_LIMITS.rampUpMs,
        thinkTimeMs: [0, LOAD_TEST_LIMITS.thinkTimeMs],
        variations: { perQuery: 1_000_000, noise: 10, seed: 2 ** 32 - 1 },
        signal: new AbortController().signal,
        onProgress: () => undefined,
        progressEveryMs: 10,
        seed: 0,
        search: { k: 10, efSearch: 64, filter: { genre: 'x' } },
      }),
    ).toBe('accepted');
  });
});
