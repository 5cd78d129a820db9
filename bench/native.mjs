// The same build and searches on native hnswlib (hnswlib-node) in this
// Node process, as the reference for what the WASM engine in the browser
// gives up. `runNative` does all steps at once; `nativeLane` gives them one
// by one, so that a caller can interleave its search passes with the
// browser's (npm run bench -- --scale).
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
export function nativeLane(data, { M, efConstruction, seed, batch, k }) {
  const { HierarchicalNSW } = require('hnswlib-node');
  const { n, dimensions } = data;
  // hnswlib-node takes plain arrays; converting them is not part of any timing.
  const baseRows = rows(data.base, dimensions);
  const queryRows = rows(data.queries, dimensions);
  const index = new HierarchicalNSW('cosine', dimensions);

  return {
    /** Builds the index; `onProgress(done)` after every batch. */
    build(onProgress = () => {}) {
      let blocked = 0;
      const t0 = performance.now();
      index.initIndex(n, M, efConstruction, seed);
      for (let start = 0; start < n; start += batch) {
        const b0 = performance.now();
        for (let i = start; i < Math.min(n, start + batch); i++) index.addPoint(baseRows[i], i);
        blocked = Math.max(blocked, performance.now() - b0);
        onProgress(Math.min(n, start + batch));
      }
      return { buildMs: performance.now() - t0, blockedMs: blocked };
    },
    warm(ef, count) {
      index.setEf(ef);
      for (const query of queryRows.slice(0, count)) index.searchKnn(query, k);
    },
    /** One timed pass over all queries at `ef`: its wall time and hits. */
    pass(ef) {
      index.setEf(ef);
      const hits = [];
      const s0 = performance.now();
      for (const query of queryRows) hits.push(index.searchKnn(query, k).neighbors);
      return { ms: performance.now() - s0, hits };
    },
    /** writeIndex, then readIndex into a new index and one search, timed. */
    saveAndOpen(ef) {
      const dir = mkdtempSync(join(tmpdir(), 'vicinity-bench-native-'));
      try {
        const file = join(dir, 'index.bin');
        const w0 = performance.now();
        index.writeIndexSync(file);
        const saveMs = performance.now() - w0;
        const fileBytes = statSync(file).size;

        const reopened = new HierarchicalNSW('cosine', dimensions);
        const o0 = performance.now();
        reopened.readIndexSync(file);
        const openMs = performance.now() - o0;
        reopened.setEf(ef);
        const probe = Math.floor(n / 2);
        const f0 = performance.now();
        const probeHits = reopened.searchKnn(baseRows[probe], k).neighbors;
        const firstSearchMs = performance.now() - f0;
        return { saveMs, fileBytes, openMs, firstSearchMs, probe, probeHits };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Build, `repeat` passes round the efSearch list, save and open: the whole native side. */
export function runNative(data, { M, efConstruction, seed, batch, efs, k, repeat, warmup }) {
  const lane = nativeLane(data, { M, efConstruction, seed, batch, k });
  const built = lane.build();
  lane.warm(efs[0], warmup);
  const search = efs.map((ef) => ({ ef, ms: [], hits: [] }));
  for (let r = 0; r < repeat; r++) {
    for (const pass of search) {
      const { ms, hits } = lane.pass(pass.ef);
      pass.ms.push(ms);
      if (r === 0) pass.hits = hits;
    }
  }
  const { saveMs, fileBytes, openMs, probe, probeHits } = lane.saveAndOpen(efs[0]);
  return {
    buildMs: built.buildMs,
    search,
    saveMs,
    fileBytes,
    openMs,
    probe,
    probeHits,
    blockedMs: { build: built.blockedMs, save: saveMs, open: openMs },
  };
}
