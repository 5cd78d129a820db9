import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../support/codeOf.js';
import { LIMITS } from '../../src/validation/limits.js';
import { assertMetadata } from '../../src/validation/plainData.js';
import {
  assertEf,
  assertK,
  assertSearchRequest,
  packItems,
  readSearchOptions,
} from '../../src/validation/validateInput.js';
import { assertPackedVectors, assertUsable } from '../../src/validation/vectors.js';

describe('packItems', () => {
  it('packs a batch into one Float32Array without keeping the callers arrays', () => {
    const v = new Float32Array([1, 2, 3]);
    const packed = packItems(
      [
        { id: 'a', vector: v },
        { id: 'b', vector: [4, 5, 6], metadata: { g: 1 } },
      ],
      3,
      'l2',
    );
    expect(Array.from(packed.vectors)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(packed.vectors.buffer).not.toBe(v.buffer);
    expect(packed.ids).toEqual(['a', 'b']);
    expect(packed.metadata).toEqual([undefined, { g: 1 }]);
  });

  it.each([
    [[{ id: 'a', vector: [1, 2] }], 'DIMENSION_MISMATCH'],
    [[{ id: 'a', vector: [1, NaN, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, Infinity, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, 1e39, 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: [1, '2', 3] }], 'INVALID_VECTOR'],
    [[{ id: 'a', vector: 'abc' }], 'INVALID_VECTOR'],
    [[{ id: '', vector: [1, 2, 3] }], 'INVALID_ID'],
    [[{ id: 7, vector: [1, 2, 3] }], 'INVALID_ID'],
    [[{ vector: [1, 2, 3] }], 'INVALID_ID'],
    [[null], 'INVALID_ID'],
    ['not an array', 'INVALID_ID'],
    [
      [
        { id: 'a', vector: [1, 2, 3] },
        { id: 'a', vector: [1, 2, 3] },
      ],
      'DUPLICATE_ID',
    ],
    [[{ id: 'a', vector: [1, 2, 3], metadata: [1] }], 'INVALID_METADATA'],
    [[{ id: 'a', vector: [1, 2, 3], metadata: { d: new Date() } }], 'INVALID_METADATA'],
    [[{ id: 'a', vector: [1, 2, 3], metadata: { n: NaN } }], 'INVALID_METADATA'],
  ])('rejects %j with %s', (items, code) => {
    expect(codeOf(() => packItems(items, 3, 'l2'))).toBe(code);
  });

  it('rejects a zero vector for cosine only', () => {
    expect(codeOf(() => packItems([{ id: 'a', vector: [0, 0, 0] }], 3, 'cosine'))).toBe(
      'INVALID_VECTOR',
    );
    expect(codeOf(() => packItems([{ id: 'a', vector: [0, 0, 0] }], 3, 'l2'))).toBeUndefined();
  });
});

describe('assertK and assertEf', () => {
  it.each([0, -1, 1.5, NaN, '3', undefined, 2 ** 31])('k = %s is INVALID_K', (k) => {
    expect(codeOf(() => assertK(k))).toBe('INVALID_K');
  });
  it('accepts positive integers', () => {
    expect(codeOf(() => assertK(1))).toBeUndefined();
    expect(codeOf(() => assertEf(512))).toBeUndefined();
    expect(codeOf(() => assertEf(0))).toBe('INVALID_EF');
  });
});

// ---------------------------------------------------------------------------
// Vectors as the engine computes them: float32, in hnswlib's orders.

const f = Math.fround;
const FLT_MIN = 2 ** -126;
const metrics = ['cosine', 'l2', 'ip'] as const;

/** A float32 sum of `terms` in order, and in four lanes as hnswlib's SIMD kernels add. */
function float32Sums(terms: readonly number[]): number[] {
  let sequential = 0;
  const lanes = [0, 0, 0, 0];
  terms.forEach((t, i) => {
    sequential = f(sequential + t);
    lanes[i % 4] = f(lanes[i % 4]! + t);
  });
  return [sequential, f(f(lanes[0]! + lanes[1]!) + f(lanes[2]! + lanes[3]!))];
}

/** The vector each engine stores under cosine: SIMD build (1 / (sqrt + 1e-30)) and hnswlib-wasm (/ sqrt). */
function normalised(v: Float32Array): Float32Array[] {
  const [norm2] = float32Sums(Array.from(v, (x) => f(x * x)));
  const root = f(Math.sqrt(norm2!));
  const scale = f(1 / f(root + f(1e-30)));
  return [v.map((x) => f(x * scale)), root > 0 ? v.map((x) => f(x / root)) : v.slice()];
}

const accepts = (v: Float32Array, metric: (typeof metrics)[number]) =>
  codeOf(() => assertUsable(v, metric, 'v')) === undefined;

/** float32 edge values: subnormals, FLT_MIN, ±FLT_MAX, near sqrt(FLT_MAX), the limits and their neighbours. */
const edge = fc.constantFrom(
  0,
  -0,
  2 ** -149,
  -(2 ** -149),
  1e-40,
  FLT_MIN,
  1e-23,
  2 ** -64,
  2 ** -63,
  2 ** -41,
  2 ** -40,
  1e-12,
  1,
  -1,
  2 ** 61,
  2 ** 62,
  -(2 ** 62),
  2 ** 63,
  f(Math.sqrt(3.4028234663852886e38)),
  1.5e19,
  3e38,
  -3.4028234663852886e38,
);
const component = fc.oneof(
  { arbitrary: edge, weight: 3 },
  { arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }), weight: 2 },
  { arbitrary: fc.float({ min: -1, max: 1, noNaN: true }), weight: 2 },
  // Ordinary components, so that many vectors pass and the properties check something.
  { arbitrary: fc.integer({ min: -1000, max: 1000 }).map((x) => x / 1000), weight: 4 },
);
const vector = (dims: number) =>
  fc.array(component, { minLength: dims, maxLength: dims }).map((v) => new Float32Array(v));
const pair = fc.integer({ min: 1, max: 9 }).chain((dims) => fc.tuple(vector(dims), vector(dims)));

describe('vectors, checked in float32 (LIMITS.vector)', () => {
  it('states its bounds as powers of two', () => {
    expect(LIMITS.vector).toEqual({
      maxNorm: 2 ** 62,
      minCosineNorm: 2 ** -40,
    });
    expect(Object.isFrozen(LIMITS.vector) && Object.isFrozen(LIMITS.filter)).toBe(true);
  });

  it.each([
    ['cosine', [1e-23, 0, 0, 0]],
    ['cosine', [1e-20, 0, 0, 0]],
    ['cosine', [3e38, 3e38, 0, 0]],
    ['cosine', [1.5e19, 1.5e19, 0, 0]],
    ['ip', [3e38, 0, 0, 0]],
    ['l2', [5e18, 0, 0, 0]],
  ] as const)('%s refuses %j with INVALID_VECTOR', (metric, v) => {
    expect(codeOf(() => packItems([{ id: 'a', vector: v }], 4, metric))).toBe('INVALID_VECTOR');
    expect(codeOf(() => assertPackedVectors(new Float32Array(v), 1, 4, metric))).toBe(
      'INVALID_VECTOR',
    );
  });

  it('says which bound a vector broke', () => {
    const message = (v: number[], metric: (typeof metrics)[number]) => {
      try {
        packItems([{ id: 'a', vector: v }], 2, metric);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(message([1e-23, 0], 'cosine')).toMatch(/2\^-40 ≈ 9\.1e-13/);
    expect(message([3e38, 0], 'l2')).toMatch(/2\^62 ≈ 4\.6e\+18/);
  });

  it('accepts vectors at the bounds', () => {
    for (const metric of metrics) {
      expect(accepts(new Float32Array([2 ** 62, 0]), metric)).toBe(true);
      expect(accepts(new Float32Array([2 ** -40, 0]), metric)).toBe(true);
      // A tiny component beside a normal one: only precision goes, never a finite sum.
      expect(accepts(new Float32Array([1e-30, 1]), metric)).toBe(true);
      expect(accepts(new Float32Array([1e-40, 1e-40]), metric)).toBe(metric !== 'cosine');
    }
  });

  it('whatever it accepts, both engines compute finite float32 sums, and unit vectors under cosine', () => {
    fc.assert(
      fc.property(pair, fc.constantFrom(...metrics), ([a, b], metric) => {
        if (!accepts(a, metric) || !accepts(b, metric)) return;
        if (metric === 'cosine') {
          // Both engines store a unit vector; their dot products are cosines.
          const stored = [...normalised(a), ...normalised(b)];
          for (const u of stored) {
            const length = Math.hypot(...u);
            expect(Math.abs(length - 1)).toBeLessThan(1e-5);
          }
          for (const dot of float32Sums(Array.from(stored[0]!, (x, i) => f(x * stored[2]![i]!)))) {
            expect(Math.abs(dot)).toBeLessThan(1 + 1e-5);
          }
        } else if (metric === 'ip') {
          const products = Array.from(a, (x, i) => f(x * b[i]!));
          for (const dot of float32Sums(products)) {
            expect(Number.isFinite(dot) && Number.isFinite(f(1 - dot))).toBe(true);
          }
        } else {
          const squares = Array.from(a, (x, i) => {
            const d = f(x - b[i]!);
            return f(d * d);
          });
          for (const sum of float32Sums(squares)) expect(Number.isFinite(sum)).toBe(true);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses every vector whose own float32 norm overflows, or underflows under cosine', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain(vector),
        fc.constantFrom(...metrics),
        (v, metric) => {
          const norms = float32Sums(Array.from(v, (x) => f(x * x)));
          const overflows = norms.some((n) => !Number.isFinite(n));
          const underflows = norms.some((n) => n < FLT_MIN);
          if (overflows || (metric === 'cosine' && underflows)) {
            expect(accepts(v, metric)).toBe(false);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('finds some vectors with edge values acceptable, so that the properties test something', () => {
    const samples = fc.sample(pair, { numRuns: 500, seed: 1 });
    for (const metric of metrics) {
      const both = samples.filter(([a, b]) => accepts(a, metric) && accepts(b, metric)).length;
      expect(both, metric).toBeGreaterThan(20);
    }
  });
});

// ---------------------------------------------------------------------------
// Metadata: plain JSON, as a save keeps it (LIMITS.metadata).

const nested = (depth: number) => {
  let m: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i++) m = { m };
  return m;
};

class Point {
  x = 1;
}

describe('metadata', () => {
  const revoked = Proxy.revocable({ g: 'x' }, {});
  revoked.revoke();
  const cyclic: Record<string, unknown> = { g: 'x' };
  cyclic.self = cyclic;
  it.each([
    ['a getter', Object.defineProperty({}, 'g', { get: () => 'x', enumerable: true })],
    ['an array with a function', { tags: Object.assign(['p'], { f: () => 1 }) }],
    ['an array with an extra property', { tags: Object.assign(['p'], { extra: 1 }) }],
    ['an array with a Date property', { tags: Object.assign(['p'], { when: new Date(0) }) }],
    ['a non-enumerable array property', { tags: Object.defineProperty(['p'], 'x', { value: 1 }) }],
    [
      'a getter index',
      { tags: Object.defineProperty(['p'], 0, { get: () => 'p', enumerable: true }) },
    ],
    ['a symbol key', { g: 'x', [Symbol('s')]: 1 }],
    ['a symbol key on an array', { tags: Object.assign(['p'], { [Symbol('s')]: 1 }) }],
    ['a hole', { tags: Object.assign(new Array(3), { 0: 'p', 2: 'q' }) }],
    ['-0', { n: -0 }],
    ['-0 in an array', { v: [1, -0] }],
    ['a Date', { when: new Date(0) }],
    ['a Map', { m: new Map() }],
    ['a class instance', { p: new Point() }],
    ['a class instance at the top', new Point()],
    ['a non-enumerable property', Object.defineProperty({ g: 'x' }, 'h', { value: 1 })],
    ['undefined', { g: undefined }],
    ['NaN', { n: NaN }],
    ['a BigInt', { n: BigInt(1) }],
    ['a symbol value', { s: Symbol('s') }],
    ['a typed array', { v: new Float32Array(2) }],
    ['a revoked Proxy', revoked.proxy],
    ['a cycle', cyclic],
    ['nesting past the limit', nested(LIMITS.metadata.maxDepth + 1)],
    ['nesting 100,000 deep', nested(100_000)],
    ['JSON past the limit', { text: 'x'.repeat(LIMITS.metadata.maxJsonLength - 10) }],
    ['escapes past the limit', { text: '\u0001'.repeat(LIMITS.metadata.maxJsonLength / 6) }],
    ['numbers past the limit', { v: Array.from({ length: 5_000 }, () => 0.1234567890123) }],
  ])('refuses %s with INVALID_METADATA', (_, metadata) => {
    expect(codeOf(() => packItems([{ id: 'a', vector: [1, 2, 3], metadata }], 3, 'l2'))).toBe(
      'INVALID_METADATA',
    );
    expect(codeOf(() => assertMetadata(metadata, 'w'))).toBe('INVALID_METADATA');
  });

  it('refuses a Proxy, which only a structured clone finds, and names the item', () => {
    const items = [
      { id: 'a', vector: [1, 2, 3], metadata: { g: 'x' } },
      { id: 'b', vector: [1, 2, 3], metadata: { g: new Proxy({ n: 1 }, {}) } },
    ];
    expect(() => packItems(items, 3, 'l2')).toThrow(/items\[1\]: metadata cannot be copied/);
    expect(codeOf(() => packItems(items, 3, 'l2'))).toBe('INVALID_METADATA');
  });

  it('names the path of what it refuses', () => {
    expect(() =>
      assertMetadata({ a: { list: [1, Object.assign(new Array(2), { 0: 1 })] } }, 'items[2]'),
    ).toThrow('items[2]: metadata.a.list[1][1] is a hole');
    expect(() => assertMetadata(cyclic, 'items[0]')).toThrow(/contains itself \(a cycle\)/);
  });

  it('accepts metadata at its limits, and sends a copy', () => {
    const atDepth = nested(LIMITS.metadata.maxDepth);
    const atSize = { text: 'x'.repeat(LIMITS.metadata.maxJsonLength - 11) };
    expect(JSON.stringify(atSize).length).toBe(LIMITS.metadata.maxJsonLength);
    const packed = packItems(
      [
        { id: 'a', vector: [1, 2, 3], metadata: atDepth },
        { id: 'b', vector: [1, 2, 3], metadata: atSize },
        { id: 'c', vector: [1, 2, 3], metadata: Object.assign(Object.create(null), { g: 1 }) },
      ],
      3,
      'l2',
    );
    expect(packed.metadata[0]).toEqual(atDepth);
    expect(packed.metadata[0]).not.toBe(atDepth);
  });

  it('accepts exactly the JSON objects within its limits that a JSON save keeps unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), (raw) => {
        const m = raw as Record<string, unknown>;
        const text = JSON.stringify(m);
        const depth = depthOf(m);
        const keeps = sameJson(JSON.parse(text), m);
        const ok =
          keeps &&
          depth <= LIMITS.metadata.maxDepth &&
          text.length <= LIMITS.metadata.maxJsonLength;
        expect(codeOf(() => assertMetadata(m, 'm'))).toBe(ok ? undefined : 'INVALID_METADATA');
      }),
      { numRuns: 1_000 },
    );
  });
});

/** Objects and arrays inside one another, the value itself counting 1. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

/** Equal as a JSON save sees it, -0 apart from 0. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b);
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    Array.isArray(a) === Array.isArray(b) &&
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && sameJson((a as never)[k], (b as never)[k]))
  );
}

// ---------------------------------------------------------------------------

describe('search options', () => {
  it.each([
    [{ fitler: { g: 'x' } }, 'INVALID_OPTIONS'],
    [{ topK: undefined }, 'INVALID_OPTIONS'],
    [null, 'INVALID_OPTIONS'],
    [[], 'INVALID_OPTIONS'],
    ['k', 'INVALID_OPTIONS'],
    [{ k: null }, 'INVALID_K'],
    [{ k: 0 }, 'INVALID_K'],
    [{ efSearch: null }, 'INVALID_EF'],
    [{ efSearch: 1.5 }, 'INVALID_EF'],
    [{ filter: null }, 'INVALID_FILTER'],
  ])('%j is %s', (options, code) => {
    expect(codeOf(() => readSearchOptions(options))).toBe(code);
  });

  it('leaves what is undefined to its default, and reads each option once', () => {
    expect(readSearchOptions({ k: undefined, filter: undefined, efSearch: undefined })).toEqual({
      k: undefined,
      filter: undefined,
      efSearch: undefined,
    });
    let reads = 0;
    const options = {
      get k() {
        reads++;
        return reads === 1 ? 3 : null;
      },
    };
    expect(readSearchOptions(options).k).toBe(3);
    expect(reads).toBe(1);
  });

  it('in the worker, k is required', () => {
    expect(codeOf(() => assertSearchRequest({ k: 3, filter: undefined }))).toBeUndefined();
    expect(codeOf(() => assertSearchRequest({ filter: { g: 1 } }))).toBe('INVALID_K');
    expect(codeOf(() => assertSearchRequest({ k: 3, fitler: 1 }))).toBe('INVALID_OPTIONS');
  });
});
