import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test, uniqueName } from './fixtures';
import { decodeWords } from '../support/words';
import {
  buildNative,
  nativeNeighbours,
  randomVectors,
  readNative,
  type NativeIndex,
} from '../support/nativeIndex';

/*
 * Native hnswlib files (64-bit size_t) are built here, in the test process,
 * with hnswlib-node; the page imports them with VectorIndex.import and the
 * answers are compared here with hnswlib-node's own, at the same efSearch.
 */

type Vicinity = typeof import('../../src/index.js');

const words = decodeWords(
  JSON.parse(readFileSync('test/fixtures/words.json', 'utf8')),
  new Int8Array(readFileSync('test/fixtures/words.bin')),
);
const WORDS = 2_000;
const QUERIES = words.queries.vectors.slice(0, 100);
const EF = 64;

/** Serves `bytes` at a URL of the page's origin, as a server would send an index file. */
async function serve(page: Page, path: string, bytes: Uint8Array): Promise<string> {
  await page.route(`**${path}`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/octet-stream',
      body: Buffer.from(bytes),
    }),
  );
  return path;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** hnswlib-node's top-k for each query, as ids. */
function nativeIds(
  index: NativeIndex,
  queries: readonly Float32Array[],
  idOf: (label: number) => string | null | undefined,
  k = 10,
): (string | null | undefined)[][] {
  return nativeNeighbours(index, queries, k, EF).map((labels) => labels.map(idOf));
}

test('a native cosine index of 2,000 words imports from a URL with hnswlib-node’s neighbours, survives a reopen, and exports back', async ({
  harness,
  engine,
}) => {
  const ids = words.base.ids.slice(0, WORDS);
  const native = buildNative({ metric: 'cosine', vectors: words.base.vectors.slice(0, WORDS) });
  const url = await serve(harness, '/native/words-2000.bin', native.bytes);
  const name = uniqueName('native-words');
  const want = nativeIds(native.index, QUERIES, (label) => ids[label]);

  const r = await harness.evaluate(
    async ({ name, url, ids, engine, queries, ef }) => {
      const path = '/src/index.ts';
      const { VectorIndex } = (await import(/* @vite-ignore */ path)) as Vicinity;
      const progress: { loadedBytes: number; totalBytes: number | null }[] = [];
      const index = await VectorIndex.import(name, {
        hnswlib: url,
        ids,
        metric: 'cosine',
        dimensions: 100,
        engine,
        cache: false,
        onProgress: (p) => progress.push(p),
      });
      const vectors = queries.map((q) => Float32Array.from(q));
      const search = async (i: typeof index) =>
        (await i.searchBatch(vectors, { k: 10, efSearch: ef })).map((hits) =>
          hits.map((h) => h.id),
        );
      const imported = await search(index);
      const stats = await index.stats();
      await index.close();
      const reopened = await VectorIndex.open(name, { engine, cache: false });
      const again = await search(reopened);
      const exported = await reopened.export();
      await reopened.close();
      await VectorIndex.delete(name);
      let binary = '';
      for (let at = 0; at < exported.hnswlib.byteLength; at += 0x8000) {
        binary += String.fromCharCode(...exported.hnswlib.subarray(at, at + 0x8000));
      }
      return {
        progress,
        imported,
        again,
        stats,
        exported: { ...exported, hnswlib: btoa(binary) },
      };
    },
    {
      name,
      url,
      ids,
      engine,
      queries: QUERIES.map((q) => Array.from(q)),
      ef: EF,
    },
  );

  expect(r.stats).toMatchObject({
    engine,
    size: WORDS,
    dimensions: 100,
    metric: 'cosine',
    M: 16,
    efConstruction: 200,
    generation: 1,
    savedGeneration: 1,
    unsavedChanges: 0,
  });
  expect(r.imported).toEqual(want);
  expect(r.again).toEqual(want);
  // Progress counts the file's bytes, in order, up to all of them.
  const last = r.progress.at(-1)!;
  expect(last).toEqual({
    loadedBytes: native.bytes.byteLength,
    totalBytes: native.bytes.byteLength,
  });
  const loaded = r.progress.map((p) => p.loadedBytes);
  expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
  // What export wrote, hnswlib-node opens with the same neighbours.
  const bytes = new Uint8Array(Buffer.from(r.exported.hnswlib, 'base64'));
  expect(r.exported).toMatchObject({ metric: 'cosine', dimensions: 100 });
  expect(bytes.byteLength).toBe(native.bytes.byteLength);
  const reread = readNative(bytes, 'cosine', 100);
  expect(reread.getCurrentCount()).toBe(WORDS);
  expect(nativeIds(reread, QUERIES, (label) => r.exported.ids[label])).toEqual(want);
});

test('sparse labels (a Map of ids), deleted elements and metadata import from a Blob; removed ids export as null', async ({
  harness,
  engine,
}) => {
  const count = 600;
  const vectors = randomVectors(count, 16, 11);
  const labels = vectors.map((_, i) => 1_000_000 + 3 * i);
  const deleted = [labels[10]!, labels[300]!];
  const native = buildNative({ metric: 'l2', vectors, labels, M: 8, deleted, maxElements: 900 });
  const idOf = (label: number) =>
    deleted.includes(label) ? undefined : `doc-${(label - 1_000_000) / 3}`;
  const ids = labels.filter((l) => !deleted.includes(l)).map((l) => [l, idOf(l)!] as const);
  const metadata = labels.map((l) => [l, { even: ((l - 1_000_000) / 3) % 2 === 0 }] as const);
  const queries = randomVectors(40, 16, 12);
  const want = nativeIds(native.index, queries, idOf);

  const r = await harness.evaluate(
    async ({ name, file, ids, metadata, engine, queries, ef }) => {
      const path = '/src/index.ts';
      const { VectorIndex } = (await import(/* @vite-ignore */ path)) as Vicinity;
      const bytes = Uint8Array.from(atob(file), (c) => c.charCodeAt(0));
      const index = await VectorIndex.import(name, {
        hnswlib: new Blob([bytes]),
        ids: new Map(ids),
        metadata: new Map(metadata),
        metric: 'l2',
        dimensions: 16,
        engine,
        cache: false,
      });
      const vectors = queries.map((q) => Float32Array.from(q));
      const hits = await index.searchBatch(vectors, { k: 10, efSearch: ef });
      const even = await index.searchBatch(vectors, {
        k: 10,
        efSearch: ef,
        filter: { even: true },
      });
      await index.remove(['doc-7']);
      const afterRemove = await index.searchBatch(vectors, { k: 10, efSearch: ef });
      const exported = await index.export();
      const size = index.size;
      await index.close();
      await VectorIndex.delete(name);
      // What export gives, import takes back: the same answers.
      const copy = await VectorIndex.import(`${name}-copy`, {
        hnswlib: exported.hnswlib,
        ids: exported.ids,
        metadata: exported.metadata,
        metric: exported.metric,
        dimensions: exported.dimensions,
        engine,
        cache: false,
      });
      const copied = await copy.searchBatch(vectors, { k: 10, efSearch: ef });
      const copySize = copy.size;
      await copy.close();
      await VectorIndex.delete(`${name}-copy`);
      const ids10 = (results: typeof hits) => results.map((h) => h.map((x) => x.id));
      return {
        roundTrip: { copied: ids10(copied), afterRemove: ids10(afterRemove), copySize },
        hits: ids10(hits),
        even: even.map((h) => h.map((x) => ({ id: x.id, even: x.metadata?.even }))),
        size,
        exported: {
          ids: exported.ids,
          metadata: exported.metadata,
          bytes: exported.hnswlib.length,
        },
      };
    },
    {
      name: uniqueName('native-sparse'),
      file: toBase64(native.bytes),
      ids,
      metadata,
      engine,
      queries: queries.map((q) => Array.from(q)),
      ef: EF,
    },
  );
  expect(r.hits).toEqual(want);
  // The filter gives 10 hits to every query, all of them even.
  for (const [i, hits] of r.even.entries())
    expect(
      hits.map((h) => h.even),
      `query ${i}: ${hits.map((h) => h.id).join(', ')}`,
    ).toEqual(Array(10).fill(true));
  expect(r.size).toBe(count - 3);
  expect(r.roundTrip.copied).toEqual(r.roundTrip.afterRemove);
  expect(r.roundTrip.copySize).toBe(count - 3);
  // Labels are positions now: the two deleted in the file and the one removed after are null.
  expect(r.exported.ids).toHaveLength(count);
  expect(r.exported.ids.filter((id) => id === null)).toHaveLength(3);
  expect(r.exported.ids[10]).toBeNull();
  expect(r.exported.ids[7]).toBeNull();
  expect(r.exported.ids[8]).toBe('doc-8');
  expect(r.exported.metadata[8]).toEqual({ even: true });
  expect(r.exported.metadata[7]).toBeNull();
});

test('a file that does not match its ids or options is refused with a typed error, and nothing is saved', async ({
  harness,
  engine,
}) => {
  const vectors = randomVectors(300, 8, 21);
  const l2 = buildNative({ metric: 'l2', vectors, M: 6 });
  const cosine = buildNative({ metric: 'cosine', vectors, M: 6 });
  const ids = vectors.map((_, i) => `v${i}`);
  const truncated = l2.bytes.subarray(0, l2.bytes.byteLength - 100);
  const badLink = l2.bytes.slice();
  new DataView(badLink.buffer).setUint32(96 + 4, 5_000, true);

  const r = await harness.evaluate(
    async ({ prefix, l2, cosine, truncated, badLink, ids, engine }) => {
      const path = '/src/index.ts';
      const { VectorIndex } = (await import(/* @vite-ignore */ path)) as Vicinity;
      const decode = (file: string) => Uint8Array.from(atob(file), (c) => c.charCodeAt(0));
      type Options = Parameters<typeof VectorIndex.import>[1];
      const cases: Record<string, [string, Partial<Options> & Record<string, unknown>]> = {
        wrongDimensions: [l2, { ids, metric: 'l2', dimensions: 9 }],
        truncated: [truncated, { ids, metric: 'l2', dimensions: 8 }],
        badLink: [badLink, { ids, metric: 'l2', dimensions: 8 }],
        oneIdShort: [l2, { ids: ids.slice(0, -1), metric: 'l2', dimensions: 8 }],
        oneIdMore: [l2, { ids: [...ids, 'extra'], metric: 'l2', dimensions: 8 }],
        sameIdTwice: [
          l2,
          { ids: ids.map((id, i) => (i === 9 ? 'v3' : id)), metric: 'l2', dimensions: 8 },
        ],
        l2FileAsCosine: [l2, { ids, metric: 'cosine', dimensions: 8 }],
        mOption: [l2, { ids, metric: 'l2', dimensions: 8, M: 6 }],
        notBytes: ['', { ids, metric: 'l2', dimensions: 8, hnswlib: 42 as never }],
      };
      const outcomes: Record<string, { code: string | undefined; stored: boolean }> = {};
      for (const [key, [file, options]] of Object.entries(cases)) {
        const name = `${prefix}-${key}`;
        let code: string | undefined;
        try {
          const index = await VectorIndex.import(name, {
            hnswlib: decode(file),
            engine,
            cache: false,
            ...options,
          } as Options);
          await index.close();
        } catch (error) {
          code = (error as { code?: string }).code;
          if (!(error instanceof Error) || error.name !== 'VicinityError')
            code = `untyped: ${error}`;
        }
        // Nothing was saved: opening without dimensions finds no index.
        let stored = true;
        try {
          await (await VectorIndex.open(name, { engine, cache: false })).close();
        } catch (error) {
          stored = (error as { code?: string }).code !== 'NOT_FOUND';
        }
        await VectorIndex.delete(name);
        outcomes[key] = { code, stored };
      }
      // An index that exists is not overwritten.
      const name = `${prefix}-exists`;
      const first = await VectorIndex.import(name, {
        hnswlib: decode(cosine),
        ids,
        metric: 'cosine',
        dimensions: 8,
        engine,
        cache: false,
      });
      await first.close();
      let exists: string | undefined;
      try {
        await VectorIndex.import(name, {
          hnswlib: decode(cosine),
          ids,
          metric: 'cosine',
          dimensions: 8,
          engine,
        });
      } catch (error) {
        exists = (error as { code?: string }).code;
      }
      const kept = await VectorIndex.open(name, { engine, cache: false });
      const size = kept.size;
      await kept.close();
      await VectorIndex.delete(name);
      return { outcomes, exists, size };
    },
    {
      prefix: uniqueName('native-bad'),
      l2: toBase64(l2.bytes),
      cosine: toBase64(cosine.bytes),
      truncated: toBase64(truncated),
      badLink: toBase64(badLink),
      ids,
      engine,
    },
  );
  expect(r.outcomes).toEqual({
    wrongDimensions: { code: 'DIMENSION_MISMATCH', stored: false },
    truncated: { code: 'INDEX_CORRUPTED', stored: false },
    badLink: { code: 'INDEX_CORRUPTED', stored: false },
    oneIdShort: { code: 'INVALID_OPTIONS', stored: false },
    oneIdMore: { code: 'INVALID_OPTIONS', stored: false },
    sameIdTwice: { code: 'DUPLICATE_ID', stored: false },
    l2FileAsCosine: { code: 'INCOMPATIBLE_OPTIONS', stored: false },
    mOption: { code: 'INVALID_OPTIONS', stored: false },
    notBytes: { code: 'INVALID_OPTIONS', stored: false },
  });
  expect(r.exists).toBe('CONFLICT');
  expect(r.size).toBe(300);
});

test('a save under the same name while the file streams wins: the import fails with CONFLICT and leaves it', async ({
  harness,
  engine,
}) => {
  const vectors = randomVectors(400, 8, 31);
  const native = buildNative({ metric: 'ip', vectors, M: 6 });
  const r = await harness.evaluate(
    async ({ name, file, ids, engine }) => {
      const path = '/src/index.ts';
      const { VectorIndex } = (await import(/* @vite-ignore */ path)) as Vicinity;
      const bytes = Uint8Array.from(atob(file), (c) => c.charCodeAt(0));
      // A response of unknown length whose bytes this test hands out.
      let feed!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (feed = c) });
      const progress: (number | null)[] = [];
      feed.enqueue(bytes.slice(0, 200));
      const importing = VectorIndex.import(name, {
        hnswlib: new Response(body),
        ids,
        metric: 'ip',
        dimensions: 8,
        engine,
        cache: false,
        onProgress: (p) => progress.push(p.totalBytes),
      }).then(
        () => 'imported',
        (error: { code?: string }) => error.code,
      );
      while (progress.length === 0) await new Promise((r) => setTimeout(r, 10));
      const other = await VectorIndex.open(name, { dimensions: 8, metric: 'ip', engine });
      await other.upsert([{ id: 'mine', vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
      await other.save();
      await other.close();
      feed.enqueue(bytes.slice(200));
      feed.close();
      const outcome = await importing;
      const kept = await VectorIndex.open(name, { engine, cache: false });
      const left = { size: kept.size, top: (await kept.search([1, 0, 0, 0, 0, 0, 0, 0]))[0]?.id };
      await kept.close();
      await VectorIndex.delete(name);
      return { outcome, progress, left };
    },
    {
      name: uniqueName('native-race'),
      file: toBase64(native.bytes),
      ids: vectors.map((_, i) => `v${i}`),
      engine,
    },
  );
  expect(r.outcome).toBe('CONFLICT');
  expect(r.progress[0]).toBeNull();
  expect(r.left).toEqual({ size: 1, top: 'mine' });
});
