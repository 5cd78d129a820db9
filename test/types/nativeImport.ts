// Checked by `npm run typecheck` (never run): intended uses of import/export compile, misuses do not.
import {
  VectorIndex,
  type ImportOptions,
  type ImportProgress,
  type LabelIds,
  type NativeExport,
} from '../../src/index.js';

export async function intended(file: Blob, bytes: Uint8Array): Promise<void> {
  const ids: LabelIds = ['a', 'b', null];
  const fromUrl = await VectorIndex.import('docs', {
    hnswlib: '/docs.bin',
    ids,
    metadata: [{ genre: 'x' }, null, undefined],
    metric: 'cosine',
    dimensions: 100,
    efSearch: 128,
    onProgress: ({ loadedBytes, totalBytes }: ImportProgress) => void [loadedBytes, totalBytes],
  });
  const options: ImportOptions = {
    hnswlib: file,
    ids: new Map([[1_000_000, 'a']]),
    metadata: new Map([[1_000_000, { year: 1994 }]]),
    metric: 'l2',
    dimensions: 3,
  };
  const fromBlob = await VectorIndex.import('other', options);
  await VectorIndex.import('bytes', { hnswlib: bytes, ids: ['a'], metric: 'ip', dimensions: 3 });
  const exported: NativeExport = await fromUrl.export();
  const back: Uint8Array = exported.hnswlib;
  const first: string | null | undefined = exported.ids[0];
  void [back, first, fromBlob];
}

export async function misuses(bytes: Uint8Array): Promise<void> {
  // @ts-expect-error the metric is not in the file: it is required
  await VectorIndex.import('a', { hnswlib: bytes, ids: [], dimensions: 3 });
  // @ts-expect-error M comes from the file
  await VectorIndex.import('a', { hnswlib: bytes, ids: [], metric: 'l2', dimensions: 3, M: 16 });
  // @ts-expect-error ids are strings
  await VectorIndex.import('a', { hnswlib: bytes, ids: [1, 2], metric: 'l2', dimensions: 3 });
  // @ts-expect-error a number is not a source
  await VectorIndex.import('a', { hnswlib: 42, ids: [], metric: 'l2', dimensions: 3 });
}
