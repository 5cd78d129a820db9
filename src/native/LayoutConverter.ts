/**
 * Conversion of an hnswlib index between the native and wasm32 layouts, as
 * its bytes arrive or held whole, with the vectors recoded on the way when
 * asked, and the check of the whole converted graph.
 */
import { VicinityError } from '../core/VicinityError.js';
import type { Quantization } from '../core/types.js';
import { decodeInt8, dimensionsOf, encodeInt8, vectorDataBytes } from './int8Codes.js';
import {
  corrupted,
  headerBytes,
  level0LinkBytes,
  readHeader,
  recordBytes,
  upperLevelBytes,
  view,
  writeHeader,
  writeSize,
  type HnswHeader,
  type HnswLayout,
} from './nativeLayout.js';
/** A chunk's worth of room to start with when the source's length is not known. */
const INITIAL_ROOM = 1 << 20;

export interface ConvertOptions {
  readonly from: HnswLayout;
  readonly to: HnswLayout;
  /** Checked against the header as soon as it has arrived (DIMENSION_MISMATCH). */
  readonly dimensions?: number;
  /** Bytes the source holds, when known: the output is then allocated once, and a short or long source is refused. */
  readonly totalBytes?: number | null;
  /**
   * `keep` writes each element's label as it is (a label past 2^32 cannot
   * be written in wasm32); `position` labels each element by its position,
   * 0 … count − 1, so that any labels fit and a list indexed by label is dense.
   * @default 'keep'
   */
  readonly labels?: 'keep' | 'position';
  /**
   * How vectors are stored in the source and written in the target: float32
   * becomes int8 codes (quantised on the way in) or int8 becomes float32
   * (dequantised). @default both 'none'
   */
  readonly vectors?: VectorRecoding;
}

export interface VectorRecoding {
  readonly from: Quantization;
  readonly to: Quantization;
  /** Scales each dequantised vector to unit length, as hnswlib stores cosine vectors. */
  readonly normalise?: boolean;
  /** Asked with each live element's float32 source vector before it is quantised. */
  readonly check?: (vector: Float32Array, label: number) => void;
}

export interface ConvertedIndex {
  /** The header as written in the target (its `dataBytes` those of the target's vectors). */
  readonly header: HnswHeader;
  /** The index in the target layout. */
  readonly bytes: Uint8Array;
  /** The source's label of each element, by position. */
  readonly labels: Float64Array;
  /** 1 where the element is marked deleted, by position. */
  readonly deleted: Uint8Array;
}

/**
 * Converts an index from one layout to the other as its bytes arrive, so
 * that a large file never has to be held whole in the source layout. Every
 * size, offset, link and label is checked against the bytes; anything off
 * is INDEX_CORRUPTED, at the first chunk that shows it where it can be.
 */
export class LayoutConverter {
  readonly #from: HnswLayout;
  readonly #to: HnswLayout;
  readonly #dimensions: number | undefined;
  readonly #totalBytes: number | null;
  readonly #relabel: boolean;
  readonly #vectors: VectorRecoding;
  #headerBuffer: Uint8Array;
  #headerFill = 0;
  /** The source's header; `#outHeader` is the target's, which differs in `dataBytes` when vectors are recoded. */
  #header: HnswHeader | null = null;
  #outHeader: HnswHeader | null = null;
  #vector = new Float32Array(0);
  #inRecord = 0;
  #outRecord = 0;
  /** A level-0 record split between chunks. */
  #carry = new Uint8Array(0);
  #carryFill = 0;
  #elements = 0;
  #out = new Uint8Array(0);
  #outData: DataView = new DataView(new ArrayBuffer(0));
  #outLength = 0;
  #labels = new Float64Array(0);
  #deleted = new Uint8Array(0);
  #loaded = 0;
  /** A converter that refused a chunk refuses everything after it. */
  #failed: { error: unknown } | null = null;

  constructor(options: ConvertOptions) {
    this.#from = options.from;
    this.#to = options.to;
    this.#dimensions = options.dimensions;
    this.#totalBytes = options.totalBytes ?? null;
    this.#relabel = options.labels === 'position';
    this.#vectors = options.vectors ?? { from: 'none', to: 'none' };
    this.#headerBuffer = new Uint8Array(headerBytes(this.#from));
  }

  /** Source bytes taken so far. */
  get loadedBytes(): number {
    return this.#loaded;
  }

  /** The header, once its bytes have arrived. */
  get header(): HnswHeader | null {
    return this.#header;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failed.error;
    try {
      this.#push(chunk);
    } catch (error) {
      this.#failed = { error };
      throw error;
    }
  }

  #push(chunk: Uint8Array): void {
    this.#loaded += chunk.byteLength;
    if (this.#totalBytes !== null && this.#loaded > this.#totalBytes) {
      throw corrupted(`more than the ${this.#totalBytes} bytes the source announced`);
    }
    let at = 0;
    if (!this.#header) {
      const take = Math.min(chunk.byteLength, this.#headerBuffer.byteLength - this.#headerFill);
      this.#headerBuffer.set(chunk.subarray(0, take), this.#headerFill);
      this.#headerFill += take;
      at = take;
      if (this.#headerFill < this.#headerBuffer.byteLength) return;
      this.#begin(readHeader(this.#headerBuffer, this.#from, this.#dimensions, this.#vectors.from));
    }
    const header = this.#header as HnswHeader;
    const data = view(chunk);
    while (at < chunk.byteLength && this.#elements < header.count) {
      const left = chunk.byteLength - at;
      if (this.#carryFill === 0 && left >= this.#inRecord) {
        this.#record(chunk, data, at);
        at += this.#inRecord;
        continue;
      }
      const take = Math.min(this.#inRecord - this.#carryFill, left);
      this.#carry.set(chunk.subarray(at, at + take), this.#carryFill);
      this.#carryFill += take;
      at += take;
      if (this.#carryFill === this.#inRecord) {
        this.#record(this.#carry, view(this.#carry), 0);
        this.#carryFill = 0;
      }
    }
    // Upper-level link lists are the same in both layouts: they are checked once complete.
    if (at < chunk.byteLength) this.#append(chunk.subarray(at));
  }

  #begin(header: HnswHeader): void {
    const { from, to } = this.#vectors;
    const dimensions = dimensionsOf(header.dataBytes, from) as number;
    const outHeader = { ...header, dataBytes: vectorDataBytes(dimensions, to) };
    this.#header = header;
    this.#outHeader = outHeader;
    this.#vector = new Float32Array(dimensions);
    this.#inRecord = recordBytes(header, this.#from);
    this.#outRecord = recordBytes(outHeader, this.#to);
    this.#carry = new Uint8Array(this.#inRecord);
    const inLevel0 = headerBytes(this.#from) + header.count * this.#inRecord;
    const outLevel0 = headerBytes(this.#to) + header.count * this.#outRecord;
    let room: number;
    if (this.#totalBytes !== null) {
      // Upper levels take at least a 4-byte count per element.
      if (this.#totalBytes < inLevel0 + 4 * header.count) {
        throw corrupted(
          `${this.#totalBytes} bytes cannot hold the ${header.count} elements of ` +
            `${this.#inRecord} bytes its header counts`,
        );
      }
      room = this.#totalBytes - inLevel0 + outLevel0;
      this.#labels = new Float64Array(header.count);
      this.#deleted = new Uint8Array(header.count);
    } else {
      // What a lying header asks for is not allocated before the bytes arrive.
      room = Math.min(outLevel0 + 4 * header.count, INITIAL_ROOM);
    }
    this.#reserve(room);
    writeHeader(outHeader, this.#to, this.#out);
    this.#outLength = headerBytes(this.#to);
  }

  /** Converts one level-0 record: links as they are, the vector recoded if asked, the label re-sized. */
  #record(source: Uint8Array, data: DataView, at: number): void {
    const header = this.#header as HnswHeader;
    const links = level0LinkBytes(header.M);
    const labelOffset = links + header.dataBytes;
    const outLabelOffset = links + (this.#outHeader as HnswHeader).dataBytes;
    const i = this.#elements;
    const label = this.#readLabel(data, at + labelOffset, i);
    if (this.#labels.length <= i) {
      this.#labels = grown(this.#labels, header.count);
      this.#deleted = grown(this.#deleted, header.count);
    }
    this.#labels[i] = label;
    // hnswlib keeps the deleted mark in the third byte of the level-0 link count.
    this.#deleted[i] = (source[at + 2] as number) & 1;
    this.#reserve(this.#outLength + this.#outRecord);
    const { from, to } = this.#vectors;
    if (from === to) {
      this.#out.set(source.subarray(at, at + labelOffset), this.#outLength);
    } else {
      this.#out.set(source.subarray(at, at + links), this.#outLength);
      this.#recode(source, at + links, this.#outLength + links, label, this.#deleted[i] === 1);
    }
    const written = this.#relabel ? i : label;
    if (this.#to === 'wasm32' && written >= 2 ** 32) {
      throw new VicinityError(
        'UNSUPPORTED_FORMAT',
        `label ${label} of element ${i} does not fit wasm32's 32-bit labels`,
      );
    }
    writeSize(this.#outData, this.#outLength + outLabelOffset, this.#to, written);
    this.#outLength += this.#outRecord;
    this.#elements++;
  }

  /** Recodes one element's vector from `source[from]` into the output at `into`. */
  #recode(source: Uint8Array, from: number, into: number, label: number, deleted: boolean): void {
    const vector = this.#vector;
    if (this.#vectors.from === 'int8') {
      decodeInt8(source, from, vector.length, vector);
      if (this.#vectors.normalise) normalise(vector);
      const data = new DataView(this.#out.buffer, this.#out.byteOffset + into, 4 * vector.length);
      vector.forEach((x, d) => data.setFloat32(4 * d, x, true));
      return;
    }
    const data = new DataView(source.buffer, source.byteOffset + from, 4 * vector.length);
    for (let d = 0; d < vector.length; d++) vector[d] = data.getFloat32(4 * d, true);
    if (!deleted) this.#vectors.check?.(vector, label);
    encodeInt8(vector, this.#out, into);
  }

  #readLabel(data: DataView, at: number, element: number): number {
    if (this.#from === 'wasm32') return data.getUint32(at, true);
    const high = data.getUint32(at + 4, true);
    if (high >= 2 ** 21) {
      throw new VicinityError(
        'UNSUPPORTED_FORMAT',
        `label of element ${element} is past 2^53: JavaScript cannot name it exactly`,
      );
    }
    return high * 2 ** 32 + data.getUint32(at, true);
  }

  #append(bytes: Uint8Array): void {
    this.#reserve(this.#outLength + bytes.byteLength);
    this.#out.set(bytes, this.#outLength);
    this.#outLength += bytes.byteLength;
  }

  #reserve(length: number): void {
    if (length <= this.#out.byteLength) return;
    const known = this.#totalBytes !== null && this.#out.byteLength > 0;
    if (known) throw corrupted('more bytes than its header and length allow');
    const next = new Uint8Array(
      this.#out.byteLength === 0 ? length : Math.max(length, Math.ceil(this.#out.byteLength * 1.5)),
    );
    next.set(this.#out.subarray(0, this.#outLength));
    this.#out = next;
    this.#outData = view(next);
  }

  /** Checks the whole index once every byte has arrived, and hands it over. */
  finish(): ConvertedIndex {
    if (this.#failed) throw this.#failed.error;
    const header = this.#header;
    if (!header) {
      throw corrupted(
        `${this.#headerFill} bytes, shorter than a ${this.#from} header (${this.#headerBuffer.byteLength})`,
      );
    }
    if (this.#elements < header.count) {
      throw corrupted(`the bytes end at element ${this.#elements} of ${header.count} in level 0`);
    }
    if (this.#totalBytes !== null && this.#loaded !== this.#totalBytes) {
      throw corrupted(`${this.#loaded} bytes arrived, the source announced ${this.#totalBytes}`);
    }
    const bytes = this.#out.subarray(0, this.#outLength);
    const outHeader = this.#outHeader as HnswHeader;
    checkGraph(bytes, outHeader, this.#to, this.#labels.subarray(0, header.count));
    return {
      header: outHeader,
      bytes,
      labels: this.#labels.subarray(0, header.count),
      deleted: this.#deleted.subarray(0, header.count),
    };
  }
}

function normalise(vector: Float32Array): void {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] as number) * inverse;
}

function grown<T extends Float64Array | Uint8Array>(array: T, limit: number): T {
  const next = new (array.constructor as new (length: number) => T)(
    Math.min(limit, Math.max(1024, array.length * 2)),
  );
  next.set(array);
  return next;
}

/**
 * Walks the upper-level lists and every link, as hnswlib's reader in
 * vicinity_hnsw.cpp does: whole levels, none above the top, no link to a
 * missing element and no list longer than its width, the entry point on the
 * top level, no label twice, no byte left over.
 */
function checkGraph(
  bytes: Uint8Array,
  header: HnswHeader,
  layout: HnswLayout,
  labels: Float64Array,
): void {
  const { count, M, maxLevel } = header;
  const data = view(bytes);
  const record = recordBytes(header, layout);
  const level0 = headerBytes(layout);
  const perLevel = upperLevelBytes(M);
  const levels = new Uint8Array(count);
  const upper = new Float64Array(count);
  let at = level0 + count * record;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.byteLength) throw corrupted(`the bytes end before element ${i}'s levels`);
    const size = data.getUint32(at, true);
    at += 4;
    if (size % perLevel !== 0) {
      throw corrupted(`element ${i}'s upper links take ${size} bytes, not whole levels`);
    }
    const n = size / perLevel;
    if (n > maxLevel) throw corrupted(`element ${i} reaches level ${n}, above the top ${maxLevel}`);
    if (at + size > bytes.byteLength) throw corrupted(`the bytes end inside element ${i}'s links`);
    levels[i] = n;
    upper[i] = at;
    at += size;
  }
  if (at !== bytes.byteLength) {
    throw corrupted(`${bytes.byteLength - at} bytes left over after the last element`);
  }
  const checkList = (i: number, list: number, width: number) => {
    const n = data.getUint16(list, true);
    if (n > width) throw corrupted(`element ${i} has ${n} links where ${width} fit`);
    for (let j = 0; j < n; j++) {
      const link = data.getUint32(list + 4 + 4 * j, true);
      if (link >= count) throw corrupted(`element ${i} links to ${link}, of ${count} elements`);
    }
  };
  for (let i = 0; i < count; i++) {
    checkList(i, level0 + i * record, 2 * M);
    for (let level = 0; level < (levels[i] as number); level++) {
      checkList(i, (upper[i] as number) + level * perLevel, M);
    }
  }
  if (count > 0 && levels[header.enterpoint] !== maxLevel) {
    throw corrupted(`entry point ${header.enterpoint} is not on the top level ${maxLevel}`);
  }
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const label = labels[i] as number;
    if (seen.has(label)) throw corrupted(`label ${label} appears twice`);
    seen.add(label);
  }
}

/** Converts a whole index held in memory (see LayoutConverter). */
export function convertLayout(bytes: Uint8Array, options: ConvertOptions): ConvertedIndex {
  const converter = new LayoutConverter({ totalBytes: bytes.byteLength, ...options });
  converter.push(bytes);
  return converter.finish();
}
