import { describe, expect, it } from 'vitest';
import { VicinityError } from '../../src/errors/VicinityError.js';
import { FORMAT_VERSION, parseManifest, type Manifest } from '../../src/storage/Manifest.js';

const good: Manifest = {
  format: FORMAT_VERSION,
  engine: 'hnswlib-wasm',
  engineFormat: 'hnswlib-wasm32',
  dimensions: 100,
  metric: 'cosine',
  M: 16,
  efConstruction: 200,
  count: 10,
  generation: 3,
  byteLength: 2000,
  engineByteLength: 1500,
  checksum: 'a'.repeat(64),
  savedAt: 1,
};

function codeOf(value: unknown): string | undefined {
  try {
    parseManifest(value);
  } catch (error) {
    return error instanceof VicinityError ? error.code : 'not a VicinityError';
  }
  return undefined;
}

describe('parseManifest', () => {
  it('accepts a complete manifest', () => {
    expect(parseManifest(good)).toEqual(good);
  });

  it.each([
    ['no object', null],
    ['negative count', { ...good, count: -1 }],
    ['unknown metric', { ...good, metric: 'hamming' }],
    ['short checksum', { ...good, checksum: 'abc' }],
    ['engine part longer than the whole', { ...good, engineByteLength: 3000 }],
    ['fractional dimensions', { ...good, dimensions: 1.5 }],
    ['missing generation', { ...good, generation: undefined }],
    ['unknown engine', { ...good, engine: 'faiss' }],
  ])('rejects %s as INDEX_CORRUPTED', (_what, value) => {
    expect(codeOf(value)).toBe('INDEX_CORRUPTED');
  });

  it('rejects a newer format as UNSUPPORTED_FORMAT', () => {
    expect(codeOf({ ...good, format: FORMAT_VERSION + 1 })).toBe('UNSUPPORTED_FORMAT');
  });
});
