import { expect, openHarness, test } from './fixtures';

test('the SIMD engine rejects malformed index bytes cleanly and stays usable', async ({ page }) => {
  await openHarness(page, 'simd');
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  console.log(`malformed-bytes seed: ${seed} (replay with FUZZ_SEED=${seed})`);
  const r = await page.evaluate(async (seed) => {
    const { SimdEngine } = await window.harness.simdEngine();
    const { fetchWords } = window.harness;
    const words = await fetchWords();
    const params = {
      dimensions: 100,
      metric: 'cosine' as const,
      M: 8,
      efConstruction: 50,
      quantization: 'none' as const,
    };
    const engine = await SimdEngine.create(params, 600);
    words.base.vectors.slice(0, 500).forEach((v, i) => engine.add(v, i, true));
    for (let i = 0; i < 50; i++) engine.markDeleted(i * 7);
    const good = await engine.serialize();
    const query = words.queries.vectors[0]!;
    const expected = Array.from(engine.search(query, 10).labels).join();

    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const outcomes = {
      truncated: 0,
      truncatedRejected: 0,
      flipped: 0,
      flippedRejected: 0,
      flippedLoaded: 0,
      other: [] as string[],
    };
    // Odd cases load as a stream (as an open from chunks does), in pieces of random sizes.
    let cases = 0;
    const streamed = async (bytes: Uint8Array) => {
      const load = await SimdEngine.loadStream(params, bytes.length, 600);
      try {
        for (let at = 0; at < bytes.length;) {
          const piece = 1 + Math.floor(random() * 5_000);
          load.feed(bytes.subarray(at, at + piece));
          at += piece;
        }
        return load.finish();
      } catch (error) {
        load.abort();
        throw error;
      }
    };
    const tryLoad = async (bytes: Uint8Array) => {
      try {
        const loaded =
          cases++ % 2 === 1 ? await streamed(bytes) : await SimdEngine.load(params, bytes, 600);
        loaded.search(query, 10); // a loaded index must answer without failing
        await loaded.dispose();
        return 'loaded';
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'INDEX_CORRUPTED') return 'rejected';
        return `${code ?? 'raw'}: ${String(error)}`;
      }
    };
    for (let i = 0; i < 300; i++) {
      const cut = Math.floor(random() * good.length);
      outcomes.truncated++;
      const o = await tryLoad(good.slice(0, cut));
      if (o === 'rejected') outcomes.truncatedRejected++;
      else outcomes.other.push(`truncate ${cut}: ${o}`);
    }
    // Flips in the header and the link lists, where the checks apply (a flip
    // inside a vector is a different, still valid, vector).
    const levelZeroStart = 8 * 4 + 8 + 4 * 4;
    for (let i = 0; i < 300; i++) {
      const bytes = good.slice();
      const at =
        random() < 0.3
          ? Math.floor(random() * levelZeroStart)
          : Math.floor(random() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
      outcomes.flipped++;
      const o = await tryLoad(bytes);
      if (o === 'rejected') outcomes.flippedRejected++;
      else if (o === 'loaded') outcomes.flippedLoaded++;
      else outcomes.other.push(`flip ${at}: ${o}`);
    }
    const reloaded = await SimdEngine.load(params, good, 600);
    const after = Array.from(reloaded.search(query, 10).labels).join();
    // The streaming save gives serialize()'s bytes; the streaming load gives the same index.
    const source = reloaded.serializeStream();
    const pieces: number[] = [];
    for (let piece = source.read(777); piece.length > 0; piece = source.read(777))
      pieces.push(...piece);
    source.close();
    // Where the streamed bytes first differ from serialize()'s, if they do.
    const differsAt = pieces.findIndex((b, i) => b !== good[i]);
    const firstDifference =
      differsAt < 0
        ? null
        : { at: differsAt, streamed: pieces[differsAt], serialized: good[differsAt] };
    const restreamed = await streamed(good);
    const afterStream = Array.from(restreamed.search(query, 10).labels).join();
    return {
      outcomes,
      expected,
      after,
      afterStream,
      streamedLength: pieces.length,
      firstDifference,
      length: good.length,
    };
  }, seed);
  expect(r.outcomes.other).toEqual([]);
  expect(r.outcomes.truncatedRejected).toBe(r.outcomes.truncated);
  expect(r.outcomes.flippedRejected).toBeGreaterThan(0);
  expect(r.after).toBe(r.expected);
  expect(r.afterStream).toBe(r.expected);
  expect(r.streamedLength).toBe(r.length);
  expect(r.firstDifference).toBeNull();
});
