import { expect, openHarness, test, uniqueName } from './fixtures';

/*
 * Snapshot format 4 in a real browser: chunks of 4 MiB, each named by its
 * SHA-256; a save writes only the chunks the kept generation lacks; a damaged
 * chunk falls back to the older generation; chunks no kept generation lists
 * are collected. 9,000 × 256-d vectors make about 10 MiB: three engine chunks.
 */
test('a save writes only changed chunks, a damaged chunk opens the older generation, unlisted chunks go', async ({
  harness: page,
}) => {
  const name = uniqueName('chunks');
  const saved = await page.evaluate(async (name) => {
    const { vicinity, storedManifests, storedChunkKeys } = window.harness;
    const dimensions = 256;
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32 - 0.5;
    const index = await vicinity.VectorIndex.open(name, {
      dimensions,
      metric: 'l2',
      efConstruction: 20,
      cache: false,
    });
    for (let from = 0; from < 9_000; from += 1_500) {
      await index.upsert(
        Array.from({ length: 1_500 }, (_, i) => ({
          id: `v${from + i}`,
          vector: Float32Array.from({ length: dimensions }, random),
        })),
      );
    }
    const full = await index.save();
    // Marking one vector deleted changes one element of the engine's bytes, and the id map.
    await index.remove(['v4500']);
    const small = await index.save();
    await index.close();
    const manifests = (await storedManifests(name)) as {
      generation: number;
      engineByteLength: number;
      chunks: { key: string; byteLength: number }[];
    }[];
    return { full, small, manifests, stored: await storedChunkKeys(name) };
  }, name);
  const [newest, older] = saved.manifests;
  expect(newest!.generation).toBe(saved.small.generation);
  expect(saved.full.writtenBytes).toBe(saved.full.byteLength);
  expect(newest!.chunks.length).toBeGreaterThanOrEqual(4);
  // The engine's chunks end where its bytes do; the id map starts a chunk of its own.
  let at = 0;
  const starts = newest!.chunks.map((c) => ((at += c.byteLength), at - c.byteLength));
  expect(starts).toContain(newest!.engineByteLength);
  const olderKeys = new Set(older!.chunks.map((c) => c.key));
  const fresh = newest!.chunks.filter((c) => !olderKeys.has(c.key));
  // One engine chunk and the id map: what the save wrote, and far less than the whole.
  expect(fresh.length).toBe(2);
  expect(saved.small.writtenBytes).toBe(fresh.reduce((n, c) => n + c.byteLength, 0));
  expect(saved.small.writtenBytes).toBeLessThan(saved.small.byteLength / 2);
  expect(saved.stored).toEqual([...new Set([...olderKeys, ...fresh.map((c) => c.key)])].sort());

  // A disk fault in the engine chunk only the newest holds.
  const engineChunk = fresh.find(
    (c) => starts[newest!.chunks.indexOf(c)]! < newest!.engineByteLength,
  )!;
  await page.evaluate(({ name, key }) => window.harness.damageChunk(name, key), {
    name,
    key: engineChunk.key,
  });
  await page.reload();
  await openHarness(page);
  const after = await page.evaluate(async (name) => {
    const { vicinity, storedManifests, storedChunkKeys } = window.harness;
    const index = await vicinity.VectorIndex.open(name, { cache: false });
    const stats = await index.stats();
    const size = index.size;
    await index.upsert([{ id: 'extra', vector: new Float32Array(256).fill(0.25) }]);
    const resaved = await index.save();
    await index.close();
    const manifests = (await storedManifests(name)) as { chunks: { key: string }[] }[];
    const listed = [...new Set(manifests.flatMap((m) => m.chunks.map((c) => c.key)))].sort();
    const stored = await storedChunkKeys(name);
    await vicinity.VectorIndex.delete(name);
    return {
      recoveredFrom: stats.recoveredFrom,
      size,
      resaved,
      listed,
      stored,
    };
  }, name);
  expect(after.recoveredFrom?.generation).toBe(saved.small.generation);
  expect(after.recoveredFrom?.reason).toMatch(
    /chunk \d+ of \d+ of generation \d+ fails its checksum/,
  );
  // The older generation: v4500 is still there.
  expect(after.size).toBe(9_000);
  expect(after.resaved.writtenBytes).toBeLessThan(after.resaved.byteLength);
  // The damaged generation went with that save, and its chunks with it.
  expect(after.stored).toEqual(after.listed);
});
