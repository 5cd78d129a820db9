// The SHA-256 of everything the SIMD engine is built from. `--write` records
// it beside the build; without it, prints the recorded and current hashes.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function wasmSourceHash(root = '.') {
  const files = [
    'scripts/build-wasm.sh',
    'native/vicinity_hnsw.cpp',
    'native/int8_space.h',
    ...readdirSync(join(root, 'native/hnswlib'))
      .filter((f) => f.endsWith('.h'))
      .map((f) => `native/hnswlib/${f}`),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

const recordPath = 'src/engine/simd/source-hash.json';
if (import.meta.url === `file://${process.argv[1]}`) {
  const current = wasmSourceHash();
  if (process.argv.includes('--write')) {
    writeFileSync(recordPath, `${JSON.stringify({ sha256: current }, null, 2)}\n`);
  }
  console.log(
    `sources ${current}\nrecorded ${JSON.parse(readFileSync(recordPath, 'utf8')).sha256}`,
  );
}
