/**
 * hnswlib's `saveIndex` layout in its two widths: the sizes of its parts and
 * its header, read and checked or written. Converting an index from one
 * layout to the other is LayoutConverter.ts's.
 */
import { VicinityError } from '../core/VicinityError.js';
import type { Quantization } from '../core/types.js';
import { dimensionsOf } from './int8Codes.js';

/**
 * hnswlib's `saveIndex` layout as two builds write it. They differ only in
 * the width of `size_t`: 8 bytes in native builds (Python `hnswlib`,
 * `hnswlib-node`), 4 in wasm32 builds (both of vicinity's engines). Both are
 * little-endian.
 *
 * Header: `offsetLevel0, max_elements, cur_element_count,
 * size_data_per_element, label_offset, offsetData` (size_t), `maxlevel`
 * (int), `enterpoint_node` (uint), `maxM, maxM0, M` (size_t), `mult`
 * (double), `ef_construction` (size_t): 96 bytes native, 56 wasm32.
 * Then `cur_element_count` level-0 records of links (`maxM0·4 + 4` bytes),
 * the vector and the label (size_t); then, per element, a uint byte count
 * and its upper-level link lists, which are the same in both layouts.
 */
export type HnswLayout = 'native64' | 'wasm32';

/** What a header says, with the fields that follow from others left out. */
export interface HnswHeader {
  /** Slots the writer had allocated; a reader may allocate more. */
  readonly maxElements: number;
  /** Elements stored, those marked deleted included. */
  readonly count: number;
  /** Bytes of one vector: 4 · dimensions for float32, 8 + dimensions for int8 (int8Codes.ts). */
  readonly dataBytes: number;
  /** -1 in an index that never held an element. */
  readonly maxLevel: number;
  readonly enterpoint: number;
  readonly M: number;
  readonly mult: number;
  readonly efConstruction: number;
}

const SIZE_T: Readonly<Record<HnswLayout, 4 | 8>> = { native64: 8, wasm32: 4 };

/** Bytes of the header: nine size_t, an int, a uint and a double. */
export function headerBytes(layout: HnswLayout): number {
  return 10 * SIZE_T[layout] + 16;
}

/** Bytes of level-0 links per element: maxM0 = 2M links of 4 bytes and a 4-byte count. */
export function level0LinkBytes(M: number): number {
  return 2 * M * 4 + 4;
}

/** Bytes of one upper level's link list: M links and a count. */
export function upperLevelBytes(M: number): number {
  return M * 4 + 4;
}

/** Bytes of one level-0 record in `layout`. */
export function recordBytes(header: HnswHeader, layout: HnswLayout): number {
  return level0LinkBytes(header.M) + header.dataBytes + SIZE_T[layout];
}

/** hnswlib's own bounds (hnswalg.h caps M at 10000; vicinity_hnsw.cpp reads up to 2^31 elements, 64 levels). */
const MAX_M = 10_000;
const MAX_COUNT = 2 ** 31 - 1;
const MAX_LEVEL = 63;

export function corrupted(message: string): VicinityError {
  return new VicinityError('INDEX_CORRUPTED', `hnswlib index: ${message}`);
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a size_t; a native value past 2^53 is no size any file can have. */
function readSize(data: DataView, at: number, layout: HnswLayout, field: string): number {
  if (layout === 'wasm32') return data.getUint32(at, true);
  const high = data.getUint32(at + 4, true);
  if (high >= 2 ** 21) throw corrupted(`${field} is past 2^53`);
  return high * 2 ** 32 + data.getUint32(at, true);
}

export function writeSize(data: DataView, at: number, layout: HnswLayout, value: number): void {
  if (layout === 'wasm32') {
    data.setUint32(at, value, true);
    return;
  }
  data.setUint32(at, value % 2 ** 32, true);
  data.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

/**
 * Reads and checks a header: every field against the others, as hnswlib's
 * reader in vicinity_hnsw.cpp does (malformed: INDEX_CORRUPTED), and the
 * vector size against `dimensions` when given (DIMENSION_MISMATCH).
 * `quantization` is how the file stores vectors; native files hold float32.
 */
export function readHeader(
  bytes: Uint8Array,
  layout: HnswLayout,
  dimensions?: number,
  quantization: Quantization = 'none',
): HnswHeader {
  const length = headerBytes(layout);
  if (bytes.byteLength < length) {
    throw corrupted(`${bytes.byteLength} bytes, shorter than a ${layout} header (${length})`);
  }
  const data = view(bytes);
  const s = SIZE_T[layout];
  let at = 0;
  const size = (field: string) => {
    const value = readSize(data, at, layout, field);
    at += s;
    return value;
  };
  const offsetLevel0 = size('offsetLevel0');
  const maxElements = size('max_elements');
  const count = size('cur_element_count');
  const sizeDataPerElement = size('size_data_per_element');
  const labelOffset = size('label_offset');
  const offsetData = size('offsetData');
  const maxLevel = data.getInt32(at, true);
  const enterpoint = data.getUint32(at + 4, true);
  at += 8;
  const maxM = size('maxM');
  const maxM0 = size('maxM0');
  const M = size('M');
  const mult = data.getFloat64(at, true);
  at += 8;
  const efConstruction = size('ef_construction');

  if (offsetLevel0 !== 0) throw corrupted(`offsetLevel0 is ${offsetLevel0}, not 0`);
  if (M < 2 || M > MAX_M) throw corrupted(`M is ${M}, outside 2…${MAX_M}`);
  if (maxM !== M || maxM0 !== 2 * M) {
    throw corrupted(`link widths maxM ${maxM} and maxM0 ${maxM0} do not match M ${M}`);
  }
  if (offsetData !== level0LinkBytes(M)) {
    throw corrupted(`offsetData is ${offsetData}; M ${M} puts vectors at ${level0LinkBytes(M)}`);
  }
  const dataBytes = labelOffset - offsetData;
  const held = dimensionsOf(dataBytes, quantization);
  if (held === undefined) {
    const what = quantization === 'int8' ? 'an int8' : 'a float32';
    throw corrupted(`label_offset ${labelOffset} leaves ${dataBytes} bytes for ${what} vector`);
  }
  if (sizeDataPerElement !== labelOffset + s) {
    throw corrupted(
      `size_data_per_element is ${sizeDataPerElement}, not ${labelOffset + s} (a ${layout} file?)`,
    );
  }
  if (count > maxElements || count > MAX_COUNT) {
    throw corrupted(`${count} elements in ${maxElements} slots`);
  }
  if (!Number.isFinite(mult) || mult <= 0) throw corrupted(`level multiplier ${mult}`);
  const levelOk = count === 0 ? maxLevel === -1 || maxLevel === 0 : maxLevel >= 0;
  if (!levelOk || maxLevel > MAX_LEVEL) throw corrupted(`top level ${maxLevel}`);
  if (count > 0 && enterpoint >= count) {
    throw corrupted(`entry point ${enterpoint} of ${count} elements`);
  }
  if (efConstruction < 1) throw corrupted(`ef_construction ${efConstruction}`);
  if (dimensions !== undefined && held !== dimensions) {
    throw new VicinityError(
      'DIMENSION_MISMATCH',
      `the hnswlib index holds ${held}-dimensional vectors, not ${dimensions}`,
    );
  }
  return { maxElements, count, dataBytes, maxLevel, enterpoint, M, mult, efConstruction };
}

/** Writes `header` in `layout` at the start of `bytes`. */
export function writeHeader(header: HnswHeader, layout: HnswLayout, bytes: Uint8Array): void {
  const data = view(bytes);
  const s = SIZE_T[layout];
  const links0 = level0LinkBytes(header.M);
  const labelOffset = links0 + header.dataBytes;
  let at = 0;
  for (const value of [0, header.maxElements, header.count, labelOffset + s, labelOffset, links0]) {
    writeSize(data, at, layout, value);
    at += s;
  }
  data.setInt32(at, header.maxLevel, true);
  data.setUint32(at + 4, header.enterpoint, true);
  at += 8;
  for (const value of [header.M, 2 * header.M, header.M]) {
    writeSize(data, at, layout, value);
    at += s;
  }
  data.setFloat64(at, header.mult, true);
  writeSize(data, at + 8, layout, header.efConstruction);
}
