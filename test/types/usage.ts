// Checked by `npm run typecheck` (never run): intended uses compile, misuses do not.
import {
  VectorIndex,
  VicinityError,
  type Hit,
  type IndexStats,
  type VicinityErrorCode,
} from '../../src/index.js';

export async function intended(): Promise<void> {
  const index = await VectorIndex.open('docs', {
    dimensions: 3,
    metric: 'l2',
    embed: async (texts) => texts.map(() => new Float32Array(3)),
  });
  await index.upsert([
    { id: 'a', vector: [1, 2, 3], metadata: { genre: 'x', year: 1994, tags: ['a'] } },
  ]);
  const hits: Hit[] = await index.search(new Float32Array(3), {
    k: 5,
    filter: { genre: 'x', year: { $gte: 1990 }, $or: [{ tags: 'a' }, { tags: { $in: ['b'] } }] },
    efSearch: 128,
  });
  const text: Hit[] = await index.search('some text');
  const many: Hit[][] = await index.searchBatch([[1, 2, 3], 'text']);
  const stats: IndexStats = await index.stats();
  const quantization: 'none' | 'int8' = stats.quantization;
  await VectorIndex.open('chunks', { dimensions: 384, quantization: 'int8' });
  const size: number = index.size;
  void [hits, text, many, stats, size, quantization];
  try {
    await index.save();
  } catch (error) {
    if (error instanceof VicinityError) {
      const code: VicinityErrorCode = error.code;
      void code;
    }
  }
  await index.close();
  await VectorIndex.delete('docs');
}

export async function misuses(index: VectorIndex): Promise<void> {
  // @ts-expect-error ids are strings
  await index.upsert([{ id: 1, vector: [1, 2, 3] }]);
  // @ts-expect-error filters are data, not functions
  await index.search([1, 2, 3], { filter: () => true });
  // @ts-expect-error metric is one of three names
  await VectorIndex.open('docs', { metric: 'hamming' });
  // @ts-expect-error quantization is 'none' or 'int8'
  await VectorIndex.open('docs', { quantization: 'int4' });
  // @ts-expect-error metadata values are JSON
  await index.upsert([{ id: 'a', vector: [1, 2, 3], metadata: { when: new Date() } }]);
  // @ts-expect-error size is read-only
  index.size = 3;
}
