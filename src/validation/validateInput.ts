import { VicinityError } from '../errors/VicinityError.js';
import type { Item, Metadata, Metric, VectorLike } from '../types.js';

/** Largest label hnswlib-wasm can hold, and a sane cap on k and efSearch. */
const MAX_INT = 2 ** 31 - 1;

export function assertId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new VicinityError(
      'INVALID_ID',
      `${where}: id must be a non-empty string, got ${describe(id)}`,
    );
  }
}

export function assertK(k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_INT) {
    throw new VicinityError('INVALID_K', `k must be a positive integer, got ${describe(k)}`);
  }
}

export function assertEf(ef: unknown, name = 'efSearch'): asserts ef is number {
  if (typeof ef !== 'number' || !Number.isInteger(ef) || ef < 1 || ef > MAX_INT) {
    throw new VicinityError(
      'INVALID_EF',
      `${name} must be a positive integer, got ${describe(ef)}`,
    );
  }
}

/**
 * Checks one vector and copies it into `target` at `offset`. The copy is what
 * crosses to the worker, so a caller's array is never detached or kept.
 */
export function writeVector(
  vector: VectorLike | unknown,
  dimensions: number,
  metric: Metric,
  target: Float32Array,
  offset: number,
  where: string,
): void {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw new VicinityError(
      'INVALID_VECTOR',
      `${where}: vector must be a Float32Array or number[]`,
    );
  }
  if (vector.length !== dimensions) {
    throw new VicinityError(
      'DIMENSION_MISMATCH',
      `${where}: vector has ${vector.length} dimensions, the index has ${dimensions}`,
    );
  }
  for (let i = 0; i < dimensions; i++) {
    const x: unknown = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new VicinityError('INVALID_VECTOR', `${where}: component ${i} is ${describe(x)}`);
    }
    target[offset + i] = x;
  }
  assertUsable(target.subarray(offset, offset + dimensions), metric, where);
}

/**
 * A finite double can still round to Infinity in float32, and cosine
 * normalises every vector: a zero vector would turn into NaNs in the graph.
 */
export function assertUsable(vector: Float32Array, metric: Metric, where: string): void {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (!Number.isFinite(x)) {
      throw new VicinityError('INVALID_VECTOR', `${where}: component ${i} is ${x} as float32`);
    }
    norm += x * x;
  }
  if (metric === 'cosine' && norm === 0) {
    throw new VicinityError(
      'INVALID_VECTOR',
      `${where}: a zero vector has no direction for cosine`,
    );
  }
}

/** Checks a packed block of vectors that arrived in the worker. */
export function assertPackedVectors(
  vectors: unknown,
  count: number,
  dimensions: number,
  metric: Metric,
): asserts vectors is Float32Array {
  if (!(vectors instanceof Float32Array)) {
    throw new VicinityError('INVALID_VECTOR', 'vectors must arrive as one Float32Array');
  }
  if (vectors.length !== count * dimensions) {
    throw new VicinityError(
      'DIMENSION_MISMATCH',
      `expected ${count} × ${dimensions} floats, got ${vectors.length}`,
    );
  }
  for (let i = 0; i < count; i++) {
    assertUsable(vectors.subarray(i * dimensions, (i + 1) * dimensions), metric, `vector ${i}`);
  }
}

export function assertMetadata(
  metadata: unknown,
  where: string,
): asserts metadata is Metadata | undefined {
  if (metadata === undefined) return;
  if (!isPlainJsonObject(metadata, 0)) {
    throw new VicinityError('INVALID_METADATA', `${where}: metadata must be a plain JSON object`);
  }
}

function isPlainJsonObject(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => isJsonValue(v, depth + 1));
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  return isPlainJsonObject(value, depth);
}

/** Ids of one batch: each valid, none twice. */
export function assertIds(ids: readonly unknown[], what: string): asserts ids is string[] {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    assertId(id, `${what}[${i}]`);
    if (seen.has(id)) {
      throw new VicinityError(
        'DUPLICATE_ID',
        `${what}[${i}]: id ${JSON.stringify(id)} appears twice in one batch`,
      );
    }
    seen.add(id);
  });
}

export interface PackedItems {
  readonly ids: string[];
  readonly vectors: Float32Array;
  readonly metadata: (Metadata | undefined)[];
}

/** Validates a whole batch before anything changes, and packs its vectors. */
export function packItems(items: unknown, dimensions: number, metric: Metric): PackedItems {
  if (!Array.isArray(items)) {
    throw new VicinityError('INVALID_ID', 'upsert takes an array of { id, vector, metadata? }');
  }
  const vectors = new Float32Array(items.length * dimensions);
  const ids: string[] = [];
  const metadata: (Metadata | undefined)[] = [];
  items.forEach((item: Partial<Item> | null | undefined, i) => {
    const where = `items[${i}]`;
    if (typeof item !== 'object' || item === null) {
      throw new VicinityError('INVALID_ID', `${where} must be an object { id, vector, metadata? }`);
    }
    assertId(item.id, where);
    ids.push(item.id);
    writeVector(item.vector, dimensions, metric, vectors, i * dimensions, where);
    assertMetadata(item.metadata, where);
    metadata.push(item.metadata);
  });
  assertIds(ids, 'items');
  return { ids, vectors, metadata };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return String(value);
}
