import { expect, it } from 'vitest';
import { sha256Hex } from '../../src/storage/checksum.js';

it('is SHA-256 (FIPS 180-2 test vector "abc")', async () => {
  expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

it('changes with a single flipped bit', async () => {
  const bytes = new Uint8Array(1000).fill(7);
  const before = await sha256Hex(bytes);
  bytes[500] = 6;
  expect(await sha256Hex(bytes)).not.toBe(before);
});
