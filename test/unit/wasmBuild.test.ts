import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error a plain .mjs build script without types
import { wasmSourceHash } from '../../scripts/wasm-source-hash.mjs';

it('the committed SIMD build matches its sources (else run npm run build:wasm)', () => {
  const recorded = JSON.parse(readFileSync('src/engine/simd/source-hash.json', 'utf8')) as {
    sha256: string;
  };
  expect(wasmSourceHash()).toBe(recorded.sha256);
});

it('the committed build is the SIMD one, loaded without eval', () => {
  const glue = readFileSync('src/engine/simd/hnsw-simd.js', 'utf8');
  const wasm = readFileSync('src/engine/simd/hnsw-simd.wasm');
  expect(WebAssembly.validate(wasm)).toBe(true);
  expect(glue).not.toMatch(/\beval\(|new Function/);
  expect(glue).toContain('new URL("hnsw-simd.wasm",import.meta.url)');
});
