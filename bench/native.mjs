// The same build and searches on native hnswlib (hnswlib-node) in this
// Node process, as the reference for what the WASM engine in the browser
// gives up.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function rows(vectors, dimensions) {
  return Array.from({ length: vectors.length / dimensions }, (_, i) =>
    Array.from(vectors.subarray(i * dimensions, (i + 1) * dimensions)),
  );
}

/**
 * Builds with the same M, efConstruction and seed as vicinity, in batches of
 * `batch` so that the longest stretch the calling thread is blocked compares
 * with the browser's. Searches are single queries in a loop.
 */
export function runNative(data, { M, efConstruction, seed, batch, efs, k, repeat, warmup }) {
  const { HierarchicalNSW } = require('hnswlib-node');
  const { n, dimensions } = data;
  // hnswlib-node takes plain arrays; converting them is not part of any timing.
  const baseRows = rows(data.base, dimensions);
  const queryRows = rows(data.queries, dimensions);
  const blocked = { build: 0, save: 0, open: 0 };

  const index = new HierarchicalNSW('cosine', dimensions);
  const t0 = performance.now();
  index.initIndex(n, M, efConstruction, seed);
  for (let start = 0; start < n; start += batch) {
    const b0 = performance.now();
    for (let i = start; i < Math.min(n, start + batch); i++) index.addPoint(baseRows[i], i);
    blocked.build = Math.max(blocked.build, performance.now() - b0);
  }
  const buildMs = performance.now() - t0;

  index.setEf(efs[0]);
  for (const query of queryRows.slice(0, warmup)) index.searchKnn(query, k);
  const search = efs.map((ef) => ({ ef, ms: [], hits: [] }));
  for (let r = 0; r < repeat; r++) {
    for (const pass of search) {
      index.setEf(pass.ef);
      const found = [];
      const s0 = performance.now();
      for (const query of queryRows) found.push(index.searchKnn(query, k).neighbors);
      pass.ms.push(performance.now() - s0);
      if (r === 0) pass.hits = found;
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'vicinity-bench-native-'));
  try {
    const file = join(dir, 'index.bin');
    const w0 = performance.now();
    index.writeIndexSync(file);
    const saveMs = performance.now() - w0;
    blocked.save = saveMs;
    const fileBytes = statSync(file).size;

    const reopened = new HierarchicalNSW('cosine', dimensions);
    const o0 = performance.now();
    reopened.readIndexSync(file);
    const openMs = performance.now() - o0;
    blocked.open = openMs;
    reopened.setEf(efs[0]);
    const probe = Math.floor(n / 2);
    const probeHits = reopened.searchKnn(baseRows[probe], k).neighbors;
    return {
      buildMs,
      search,
      saveMs,
      fileBytes,
      openMs,
      probe,
      probeHits,
      blockedMs: blocked,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
