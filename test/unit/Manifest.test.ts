import { describe, expect, it } from 'vitest';
import { VicinityError } from '../../src/core/VicinityError.js';
import {
  FORMAT_VERSION,
  manifestChecksum,
  parseManifest,
  sealManifest,
  type Manifest,
} from '../../src/storage/Manifest.js';

const fields: Omit<Manifest, 'manifestChecksum'> = {
  format: FORMAT_VERSION,
  engine: 'hnswlib-wasm',
  engineFormat: 'hnswlib-wasm32',
  dimensions: 100,
  metric: 'cosine',
  M: 16,
  efConstruction: 200,
  quantization: 'none',
  count: 10,
  generation: 3,
  byteLength: 2000,
  engineByteLength: 1500,
  checksum: 'a'.repeat(64),
  savedAt: 1,
  chunks: [
    { key: 'b'.repeat(64), byteLength: 1500 },
    { key: 'c'.repeat(64), byteLength: 500 },
  ],
};
const good = await sealManifest(fields);

/** Keeps the manifest's own checksum valid, so that only the field checks can reject it. */
async function resealed(change: Partial<Manifest>): Promise<Manifest> {
  const changed = { ...good, ...change };
  return { ...changed, manifestChecksum: await manifestChecksum(changed) };
}

async function codeOf(value: unknown): Promise<string | undefined> {
  try {
    await parseManifest(value);
  } catch (error) {
    return error instanceof VicinityError ? error.code : 'not a VicinityError';
  }
  return undefined;
}

describe('parseManifest', () => {
  it('accepts a complete manifest', async () => {
    expect(await parseManifest(good)).toEqual({ manifest: good, migratedFrom: null });
  });

  it('does not depend on the order of properties in storage', async () => {
    const reversed = Object.fromEntries(Object.entries(good).reverse());
    expect((await parseManifest(reversed)).manifest).toEqual(good);
  });

  it.each([
    ['no object', () => null],
    ['negative count', () => resealed({ count: -1 })],
    ['unknown metric', () => resealed({ metric: 'hamming' as Manifest['metric'] })],
    ['short checksum', () => resealed({ checksum: 'abc' })],
    ['engine part longer than the whole', () => resealed({ engineByteLength: 3000 })],
    ['fractional dimensions', () => resealed({ dimensions: 1.5 })],
    ['missing generation', () => resealed({ generation: undefined as unknown as number })],
    ['unknown engine', () => resealed({ engine: 'faiss' as Manifest['engine'] })],
    ['a changed field under the old checksum', () => ({ ...good, metric: 'l2' })],
    ['a changed checksum', () => ({ ...good, manifestChecksum: 'b'.repeat(64) })],
    ['no manifest checksum', () => ({ ...good, manifestChecksum: undefined })],
  ])('rejects %s as INDEX_CORRUPTED', async (_what, value) => {
    expect(await codeOf(await value())).toBe('INDEX_CORRUPTED');
  });

  it('rejects a newer format as UNSUPPORTED_FORMAT', async () => {
    expect(await codeOf(await resealed({ format: FORMAT_VERSION + 1 }))).toBe('UNSUPPORTED_FORMAT');
  });

  it('migrates format 1, which had no manifest checksum', async () => {
    const v1 = {
      ...good,
      format: 1,
      manifestChecksum: undefined,
      quantization: undefined,
      chunks: undefined,
    };
    const parsed = await parseManifest(v1);
    expect(parsed.migratedFrom).toBe(1);
    // Bytes stored before format 4 are one record: no chunk list.
    expect(parsed.manifest).toEqual(await sealManifest({ ...fields, chunks: null }));
    // A format 1 manifest still gets format 1's field checks.
    expect(await codeOf({ ...v1, metric: 'hamming' })).toBe('INDEX_CORRUPTED');
    // A current manifest whose format field was damaged to 1 is not taken for format 1.
    expect(await codeOf({ ...good, format: 1 })).toBe('INDEX_CORRUPTED');
  });

  /** A format-2 manifest as format 2 sealed it: no quantization, its checksum over the other fields. */
  async function formatTwo(change: Record<string, unknown> = {}) {
    const v2: Record<string, unknown> = { ...good, format: 2 };
    delete v2.quantization;
    delete v2.chunks;
    delete v2.manifestChecksum;
    Object.assign(v2, change);
    return { ...v2, manifestChecksum: await manifestChecksum(v2 as unknown as Manifest) };
  }

  it('migrates format 2 to quantization none, after checking its checksum', async () => {
    const parsed = await parseManifest(await formatTwo());
    expect(parsed.migratedFrom).toBe(2);
    // Bytes stored before format 4 are one record: no chunk list.
    expect(parsed.manifest).toEqual(await sealManifest({ ...fields, chunks: null }));
    expect(parsed.manifest.quantization).toBe('none');
    expect(await codeOf({ ...(await formatTwo()), count: 11 })).toBe('INDEX_CORRUPTED');
    // Format 2 had no quantization: a manifest of format 2 that names one was damaged.
    expect(await codeOf(await formatTwo({ quantization: 'int8' }))).toBe('INDEX_CORRUPTED');
  });

  it('covers quantization with the manifest checksum', async () => {
    const int8 = await sealManifest({ ...fields, quantization: 'int8' });
    expect((await parseManifest(int8)).manifest.quantization).toBe('int8');
    expect(int8.manifestChecksum).not.toBe(good.manifestChecksum);
    expect(await codeOf({ ...int8, quantization: 'none' })).toBe('INDEX_CORRUPTED');
    expect(await codeOf(await resealed({ quantization: 'int4' as Manifest['quantization'] }))).toBe(
      'INDEX_CORRUPTED',
    );
    expect(await codeOf(await resealed({ quantization: undefined }))).toBe('INDEX_CORRUPTED');
  });

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['null in a stored format 4', null],
    ['lengths that do not add up', [{ key: 'b'.repeat(64), byteLength: 1999 }]],
    ['a key that is no SHA-256', [{ key: 'xyz', byteLength: 2000 }]],
    [
      'an empty chunk',
      [
        { key: 'b'.repeat(64), byteLength: 2000 },
        { key: 'c'.repeat(64), byteLength: 0 },
      ],
    ],
  ])('rejects a chunk list that is %s', async (_what, chunks) => {
    expect(await codeOf(await resealed({ chunks } as Partial<Manifest>))).toBe('INDEX_CORRUPTED');
  });
});
