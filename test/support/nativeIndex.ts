// Native hnswlib indexes for the tests, built and read by hnswlib-node in
// the Node process (the unit tests and Playwright's test process).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { Metric } from '../../src/core/types.js';
import { gaussian, seededRandom } from '../../src/util/seededRandom.js';

export type NativeIndex = InstanceType<typeof hnswlib.HierarchicalNSW>;

export interface NativeBuildOptions {
  readonly metric: Metric;
  readonly vectors: readonly Float32Array[];
  /** hnswlib label of each vector. @default its position */
  readonly labels?: readonly number[];
  readonly M?: number;
  readonly efConstruction?: number;
  /** Labels marked deleted after the build. */
  readonly deleted?: readonly number[];
  /** Slots allocated. @default the number of vectors */
  readonly maxElements?: number;
}

/** Runs `use` with a file path in a fresh temporary directory, removed afterwards. */
function withTempFile<T>(use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vicinity-native-'));
  try {
    return use(join(dir, 'index.bin'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds an index with hnswlib-node and returns it with the bytes `writeIndexSync` wrote. */
export function buildNative(options: NativeBuildOptions): {
  index: NativeIndex;
  bytes: Uint8Array;
} {
  const { metric, vectors } = options;
  const dimensions = vectors[0]?.length ?? 4;
  const index = new hnswlib.HierarchicalNSW(metric, dimensions);
  index.initIndex(
    options.maxElements ?? Math.max(1, vectors.length),
    options.M ?? 16,
    options.efConstruction ?? 200,
    100,
  );
  vectors.forEach((vector, i) => index.addPoint(Array.from(vector), options.labels?.[i] ?? i));
  for (const label of options.deleted ?? []) index.markDelete(label);
  const bytes = withTempFile((path) => {
    index.writeIndexSync(path);
    return new Uint8Array(readFileSync(path));
  });
  return { index, bytes };
}

/** Opens bytes in the native layout with hnswlib-node's `readIndexSync`. */
export function readNative(bytes: Uint8Array, metric: Metric, dimensions: number): NativeIndex {
  const index = new hnswlib.HierarchicalNSW(metric, dimensions);
  withTempFile((path) => {
    writeFileSync(path, bytes);
    index.readIndexSync(path);
  });
  return index;
}

/** Seeded random vectors with standard normal components. */
export function randomVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: dimensions }, () => gaussian(random)),
  );
}

/** The top-k labels hnswlib-node finds for each query at `efSearch`, best first. */
export function nativeNeighbours(
  index: NativeIndex,
  queries: readonly Float32Array[],
  k: number,
  efSearch: number,
): number[][] {
  index.setEf(efSearch);
  // searchKnn returns them best first.
  return queries.map((query) => index.searchKnn(Array.from(query), k).neighbors);
}
