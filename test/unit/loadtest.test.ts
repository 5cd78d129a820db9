import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunningHistogram } from '../../src/loadtest/RunningHistogram.js';
import { queryVariations } from '../../src/loadtest/queryVariations.js';

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
    expect(() => queryVariations(['x'], { perQuery: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => queryVariations(['x'], { noise: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
