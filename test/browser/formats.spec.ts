import { readFileSync } from 'node:fs';
import { expect, test, uniqueName } from './fixtures';
import expected from '../fixtures/format-v1/expected.json' with { type: 'json' };
import { FORMAT_VERSION, manifestChecksum, type Manifest } from '../../src/storage/Manifest';

const v1Manifest = JSON.parse(
  readFileSync(new URL('../fixtures/format-v1/manifest.json', import.meta.url), 'utf8'),
) as Omit<Manifest, 'manifestChecksum' | 'quantization'>;

/** The fixture's generation as format 2 stored it: sealed by format 2's checksum, no quantization. */
async function formatTwoManifest() {
  const v2 = { ...v1Manifest, format: 2 };
  return { ...v2, manifestChecksum: await manifestChecksum(v2) };
}

/*
 * test/fixtures/format-v1 holds a generation as vicinity 0.1.0 (commit 738e674)
 * wrote it in snapshot format 1 (290 real words, cosine, M 12, 10 ids removed,
 * metadata), with the answers it gave at the time.
 */
for (const format of [1, 2])
  test(`a snapshot in format ${format} opens with the answers it gave, and the next save writes the current format`, async ({
    harness,
  }) => {
    const name = uniqueName(`format-v${format}`);
    const planted = format === 1 ? v1Manifest : await formatTwoManifest();
    const r = await harness.evaluate(
      async ([name, manifest]) => {
        const { vicinity, fetchWords, plantGeneration, storedManifests } = window.harness;
        const [bytes, words] = await Promise.all([
          fetch('/test/fixtures/format-v1/snapshot.bin').then((res) => res.arrayBuffer()),
          fetchWords(),
        ]);
        await plantGeneration(name, manifest as { generation: number }, new Uint8Array(bytes));
        const index = await vicinity.VectorIndex.open(name);
        const searches = [];
        for (let q = 0; q < 5; q++) {
          const hits = await index.search(words.queries.vectors[q]!, { k: 5 });
          searches.push({
            query: words.queries.ids[q],
            hits: hits.map((h) => ({ id: h.id, distance: h.distance, metadata: h.metadata })),
          });
        }
        const filteredQuery0 = (
          await index.search(words.queries.vectors[0]!, { k: 5, filter: { length: { $gte: 6 } } })
        ).map((h) => h.id);
        const stats = await index.stats();
        const saved = await index.save();
        await index.close();
        const stored = await storedManifests(name);
        const reopened = await vicinity.VectorIndex.open(name);
        const again = (await reopened.search(words.queries.vectors[0]!, { k: 5 })).map((h) => h.id);
        await reopened.close();
        await vicinity.VectorIndex.delete(name);
        return { searches, filteredQuery0, stats, saved, stored, again };
      },
      [name, planted] as const,
    );
    expect(r.stats).toMatchObject({
      size: 290,
      dimensions: 100,
      metric: 'cosine',
      M: 12,
      quantization: 'none',
    });
    expect(r.filteredQuery0).toEqual(expected.filteredQuery0);
    for (const [q, search] of r.searches.entries()) {
      const want = expected.searches[q]!;
      expect(search.query).toBe(want.query);
      expect(search.hits.map((h) => h.id)).toEqual(want.hits.map((h) => h.id));
      expect(search.hits.map((h) => h.metadata)).toEqual(want.hits.map((h) => h.metadata));
      for (const [i, hit] of search.hits.entries())
        expect(hit.distance).toBeCloseTo(want.hits[i]!.distance, 5);
    }
    // An unchanged index is still written once, to move it to the current format.
    expect(r.saved.generation).toBeGreaterThan(2);
    expect(r.stored[0]).toMatchObject({
      format: FORMAT_VERSION,
      generation: r.saved.generation,
      quantization: 'none',
    });
    expect(r.stored[0]!.manifestChecksum).toMatch(/^[0-9a-f]{64}$/);
    // Format 4 stores chunks (the engine's, then the id map's), each named by its SHA-256.
    const chunks = r.stored[0]!.chunks as { key: string; byteLength: number }[];
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBe(r.saved.byteLength);
    expect(r.saved.writtenBytes).toBe(r.saved.byteLength);
    expect(r.stored[1]).toMatchObject({ format, generation: 2 });
    expect(r.again).toEqual(expected.searches[0]!.hits.map((h) => h.id));
  });
