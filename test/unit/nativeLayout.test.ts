import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LayoutConverter,
  convertLayout,
  type ConvertOptions,
} from '../../src/native/LayoutConverter.js';
import { headerBytes, readHeader, recordBytes } from '../../src/native/nativeLayout.js';
import type { Metric } from '../../src/core/types.js';
import { codeOf } from '../support/codeOf.js';
import {
  buildNative,
  nativeNeighbours,
  randomVectors,
  readNative,
} from '../support/nativeIndex.js';

const NATIVE_TO_WASM: ConvertOptions = { from: 'native64', to: 'wasm32' };
const WASM_TO_NATIVE: ConvertOptions = { from: 'wasm32', to: 'native64' };

/** A small native index: 300 vectors, sparse labels, a few marked deleted. */
function sample(metric: Metric, options: { count?: number; dimensions?: number; M?: number } = {}) {
  const { count = 300, dimensions = 12, M = 8 } = options;
  const vectors = randomVectors(count, dimensions, 7 + count + dimensions);
  const labels = vectors.map((_, i) => i * 7 + 3);
  const deleted = [labels[5]!, labels[77]!];
  const { index, bytes } = buildNative({
    metric,
    vectors,
    labels,
    M,
    efConstruction: 60,
    deleted,
    maxElements: count + 50,
  });
  return { index, bytes, vectors, labels, deleted, dimensions, M };
}

/** Offsets of the native header's fields (nine size_t, an int, a uint, a double). */
const FIELD = {
  offsetLevel0: 0,
  maxElements: 8,
  count: 16,
  sizeDataPerElement: 24,
  labelOffset: 32,
  offsetData: 40,
  maxLevel: 48,
  enterpoint: 52,
  maxM: 56,
  maxM0: 64,
  M: 72,
  mult: 80,
  efConstruction: 88,
} as const;

function edited(bytes: Uint8Array, edit: (data: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

describe.each(['l2', 'ip', 'cosine'] as const)('a native %s index', (metric) => {
  const native = sample(metric);

  it('narrows to wasm32 (header 96 → 56 bytes, labels 8 → 4) and widens back byte for byte', () => {
    const wasm = convertLayout(native.bytes, { ...NATIVE_TO_WASM, dimensions: native.dimensions });
    const count = native.vectors.length;
    expect(wasm.bytes.byteLength).toBe(native.bytes.byteLength - 40 - 4 * count);
    expect(wasm.header).toMatchObject({
      count,
      maxElements: count + 50,
      dataBytes: 4 * native.dimensions,
      M: native.M,
      efConstruction: 60,
    });
    expect(readHeader(wasm.bytes, 'wasm32')).toEqual(wasm.header);
    expect(Array.from(wasm.labels)).toEqual(native.labels);
    expect([...wasm.deleted.entries()].filter(([, d]) => d).map(([i]) => i)).toEqual([5, 77]);
    const back = convertLayout(wasm.bytes, WASM_TO_NATIVE);
    expect(Buffer.from(back.bytes).equals(Buffer.from(native.bytes))).toBe(true);
  });

  it('keeps the vectors and labels where wasm32 hnswlib reads them', () => {
    const { bytes, header } = convertLayout(native.bytes, NATIVE_TO_WASM);
    const record = recordBytes(header, 'wasm32');
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const links0 = 2 * native.M * 4 + 4;
    for (const i of [0, 1, 150, native.vectors.length - 1]) {
      const at = headerBytes('wasm32') + i * record;
      expect(data.getUint32(at + links0 + header.dataBytes, true)).toBe(native.labels[i]);
      const stored = native.index.getPoint(native.labels[i]!);
      for (let d = 0; d < native.dimensions; d++) {
        expect(data.getFloat32(at + links0 + 4 * d, true)).toBe(Math.fround(stored[d]!));
      }
    }
  });

  it('relabelled by position, hnswlib-node reads it back with the same neighbours', () => {
    const wasm = convertLayout(native.bytes, { ...NATIVE_TO_WASM, labels: 'position' });
    const back = convertLayout(wasm.bytes, WASM_TO_NATIVE);
    const reread = readNative(back.bytes, metric, native.dimensions);
    const queries = randomVectors(20, native.dimensions, 99);
    const want = nativeNeighbours(native.index, queries, 10, 50);
    const got = nativeNeighbours(reread, queries, 10, 50).map((hits) =>
      hits.map((position) => wasm.labels[position]),
    );
    expect(got).toEqual(want);
    expect(reread.getCurrentCount()).toBe(native.vectors.length);
  });
});

describe('streaming', () => {
  const native = sample('l2', { count: 120, dimensions: 5, M: 4 });
  const whole = convertLayout(native.bytes, NATIVE_TO_WASM).bytes;

  it('gives the same bytes however the source is cut into chunks, its length known or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: native.bytes.byteLength }), { maxLength: 12 }),
        fc.boolean(),
        (cuts, known) => {
          const converter = new LayoutConverter({
            ...NATIVE_TO_WASM,
            totalBytes: known ? native.bytes.byteLength : null,
          });
          let at = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            converter.push(native.bytes.subarray(at, Math.max(at, cut)));
            at = Math.max(at, cut);
          }
          converter.push(native.bytes.subarray(at));
          expect(converter.loadedBytes).toBe(native.bytes.byteLength);
          expect(Buffer.from(converter.finish().bytes).equals(Buffer.from(whole))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a wrong dimension count as soon as the header has arrived', () => {
    const converter = new LayoutConverter({ ...NATIVE_TO_WASM, dimensions: 6 });
    expect(codeOf(() => converter.push(native.bytes.subarray(0, 50)))).toBeUndefined();
    expect(codeOf(() => converter.push(native.bytes.subarray(50, 100)))).toBe('DIMENSION_MISMATCH');
    // Once refused, always refused.
    expect(codeOf(() => converter.push(native.bytes.subarray(100)))).toBe('DIMENSION_MISMATCH');
    expect(codeOf(() => converter.finish())).toBe('DIMENSION_MISMATCH');
  });

  it('refuses, at the header, a length that cannot hold the elements it counts', () => {
    const converter = new LayoutConverter({ ...NATIVE_TO_WASM, totalBytes: 2_000 });
    expect(codeOf(() => converter.push(native.bytes.subarray(0, 96)))).toBe('INDEX_CORRUPTED');
  });
});

describe('an empty index', () => {
  it('round-trips, and hnswlib-node reads what comes back', () => {
    const { bytes } = buildNative({ metric: 'cosine', vectors: [], maxElements: 10 });
    const wasm = convertLayout(bytes, { ...NATIVE_TO_WASM, dimensions: 4 });
    expect(wasm.header).toMatchObject({ count: 0, maxLevel: -1 });
    expect(wasm.bytes.byteLength).toBe(56);
    const back = convertLayout(wasm.bytes, WASM_TO_NATIVE).bytes;
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    expect(readNative(back, 'cosine', 4).getCurrentCount()).toBe(0);
  });
});

describe('malformed input', () => {
  const native = sample('l2', { count: 200, dimensions: 6, M: 6 });
  const { header } = convertLayout(native.bytes, NATIVE_TO_WASM);
  const record = recordBytes(header, 'native64');
  const level0End = 96 + header.count * record;
  const convert = (bytes: Uint8Array, options: Partial<ConvertOptions> = {}) =>
    codeOf(() => convertLayout(bytes, { ...NATIVE_TO_WASM, dimensions: 6, ...options }));
  const streamed = (bytes: Uint8Array) =>
    codeOf(() => {
      const converter = new LayoutConverter({ ...NATIVE_TO_WASM, totalBytes: null });
      converter.push(bytes);
      converter.finish();
    });

  it('is accepted as it is (the edits below are what fail)', () => {
    expect(convert(native.bytes)).toBeUndefined();
  });

  it('refuses a file cut short anywhere, or with a byte more, its length known or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: native.bytes.byteLength - 1 }), (length) => {
        const cut = native.bytes.subarray(0, length);
        expect(convert(cut)).toBe('INDEX_CORRUPTED');
        expect(streamed(cut)).toBe('INDEX_CORRUPTED');
      }),
      { numRuns: 200 },
    );
    const longer = new Uint8Array(native.bytes.byteLength + 1);
    longer.set(native.bytes);
    expect(convert(longer)).toBe('INDEX_CORRUPTED');
    expect(streamed(longer)).toBe('INDEX_CORRUPTED');
  });

  const lies: [string, (data: DataView) => void][] = [
    ['offsetLevel0 ≠ 0', (d) => d.setUint32(FIELD.offsetLevel0, 8, true)],
    ['one element more', (d) => d.setUint32(FIELD.count, header.count + 1, true)],
    ['one element fewer', (d) => d.setUint32(FIELD.count, header.count - 1, true)],
    ['more elements than slots', (d) => d.setUint32(FIELD.maxElements, header.count - 1, true)],
    ['a count past 2^53', (d) => d.setUint32(FIELD.count + 4, 2 ** 30, true)],
    [
      'a record size that disagrees',
      (d) => d.setUint32(FIELD.sizeDataPerElement, record + 4, true),
    ],
    ['a wasm32-sized record', (d) => d.setUint32(FIELD.sizeDataPerElement, record - 4, true)],
    ['vectors at another offset', (d) => d.setUint32(FIELD.offsetData, 4 * 12 + 8, true)],
    ['a vector size not of floats', (d) => d.setUint32(FIELD.labelOffset, 52 + 22, true)],
    ['maxM ≠ M', (d) => d.setUint32(FIELD.maxM, 7, true)],
    ['maxM0 ≠ 2M', (d) => d.setUint32(FIELD.maxM0, 13, true)],
    ['M out of range', (d) => d.setUint32(FIELD.M, 1, true)],
    ['a top level below 0', (d) => d.setInt32(FIELD.maxLevel, -1, true)],
    ['a top level past 63', (d) => d.setInt32(FIELD.maxLevel, 64, true)],
    [
      'a top level above every element',
      (d) => d.setInt32(FIELD.maxLevel, header.maxLevel + 1, true),
    ],
    ['a top level below some element', (d) => d.setInt32(FIELD.maxLevel, 0, true)],
    ['an entry point out of range', (d) => d.setUint32(FIELD.enterpoint, header.count, true)],
    ['a multiplier that is NaN', (d) => d.setFloat64(FIELD.mult, NaN, true)],
    ['a multiplier of 0', (d) => d.setFloat64(FIELD.mult, 0, true)],
    ['ef_construction 0', (d) => d.setUint32(FIELD.efConstruction, 0, true)],
    ['a link to a missing element', (d) => d.setUint32(96 + 4, header.count + 3, true)],
    ['more level-0 links than fit', (d) => d.setUint16(96, 2 * 6 + 1, true)],
    ['a label twice', (d) => d.setUint32(96 + record + 52 + 24, native.labels[0]!, true)],
    ['upper links not whole levels', (d) => d.setUint32(level0End, 6 * 4 + 4 + 1, true)],
  ];

  it.each(lies)('refuses a header or record with %s', (_, lie) => {
    expect(convert(edited(native.bytes, lie))).toBe('INDEX_CORRUPTED');
    expect(streamed(edited(native.bytes, lie))).toBe('INDEX_CORRUPTED');
  });

  it('refuses an upper-level list that links to a missing element or lists too many', () => {
    // The first element with upper levels: its list follows its 4-byte size.
    const data = new DataView(native.bytes.buffer, native.bytes.byteOffset);
    let at = level0End;
    while (data.getUint32(at, true) === 0) at += 4;
    expect(convert(edited(native.bytes, (d) => d.setUint32(at + 8, header.count, true)))).toBe(
      'INDEX_CORRUPTED',
    );
    expect(convert(edited(native.bytes, (d) => d.setUint16(at + 4, 7, true)))).toBe(
      'INDEX_CORRUPTED',
    );
  });

  it('refuses a wasm32 file read as native, and a native one read as wasm32', () => {
    const wasm = convertLayout(native.bytes, NATIVE_TO_WASM).bytes;
    expect(convert(wasm)).toBe('INDEX_CORRUPTED');
    expect(codeOf(() => convertLayout(native.bytes, WASM_TO_NATIVE))).toBe('INDEX_CORRUPTED');
  });

  it('says DIMENSION_MISMATCH for a consistent file of other dimensions', () => {
    expect(convert(native.bytes, { dimensions: 7 })).toBe('DIMENSION_MISMATCH');
  });

  it('refuses labels that wasm32 cannot hold, unless relabelled by position', () => {
    const big = edited(native.bytes, (d) => d.setUint32(96 + 52 + 24 + 4, 1, true));
    expect(convert(big)).toBe('UNSUPPORTED_FORMAT');
    expect(convert(big, { labels: 'position' })).toBeUndefined();
    const huge = edited(native.bytes, (d) => d.setUint32(96 + 52 + 24 + 4, 2 ** 22, true));
    expect(convert(huge, { labels: 'position' })).toBe('UNSUPPORTED_FORMAT');
  });

  it('never fails with anything but a VicinityError, whatever byte is changed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: native.bytes.byteLength - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, value) => {
          const code = convert(edited(native.bytes, (d) => d.setUint8(at, value)));
          expect([
            undefined,
            'INDEX_CORRUPTED',
            'DIMENSION_MISMATCH',
            'UNSUPPORTED_FORMAT',
          ]).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('recoding vectors between float32 and int8', () => {
  it('quantises a native file on the way to wasm32 and dequantises it back, links and labels unchanged', () => {
    const { bytes, vectors, labels, deleted, dimensions } = sample('l2');
    const checked: number[] = [];
    const int8 = convertLayout(bytes, {
      ...NATIVE_TO_WASM,
      dimensions,
      vectors: { from: 'none', to: 'int8', check: (_, label) => checked.push(label) },
    });
    expect(int8.header.dataBytes).toBe(8 + dimensions);
    // Every live vector was checked in float32 before it became codes; deleted ones were not.
    expect(checked.sort((a, b) => a - b)).toEqual(labels.filter((l) => !deleted.includes(l)));
    // Read as float32, 8 + 12 bytes would be 5 dimensions.
    expect(codeOf(() => readHeader(int8.bytes, 'wasm32', dimensions))).toBe('DIMENSION_MISMATCH');
    expect(readHeader(int8.bytes, 'wasm32', dimensions, 'int8').dataBytes).toBe(8 + dimensions);
    const back = convertLayout(int8.bytes, {
      ...WASM_TO_NATIVE,
      vectors: { from: 'int8', to: 'none' },
    });
    expect(back.bytes.byteLength).toBe(bytes.byteLength);
    expect(Array.from(back.labels)).toEqual(labels);
    expect(Array.from(back.deleted)).toEqual(
      Array.from(convertLayout(bytes, NATIVE_TO_WASM).deleted),
    );
    const record = recordBytes(back.header, 'native64');
    const at = headerBytes('native64');
    const links = 2 * 8 * 4 + 4;
    const view = new DataView(back.bytes.buffer, back.bytes.byteOffset);
    vectors.forEach((vector, i) => {
      const base = at + i * record;
      // Links as they were.
      expect(back.bytes.subarray(base, base + links)).toEqual(bytes.subarray(base, base + links));
      const max = vector.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      for (let d = 0; d < dimensions; d++) {
        const x = view.getFloat32(base + links + 4 * d, true);
        expect(Math.abs(x - (vector[d] as number))).toBeLessThanOrEqual(max / 254 + 1e-6);
      }
    });
  });

  it('refuses a float32 vector its check refuses, before quantising it', () => {
    const { bytes, dimensions } = sample('l2');
    const refuse = () => {
      throw new Error('refused');
    };
    expect(() =>
      convertLayout(bytes, {
        ...NATIVE_TO_WASM,
        dimensions,
        vectors: { from: 'none', to: 'int8', check: refuse },
      }),
    ).toThrow('refused');
  });
});
