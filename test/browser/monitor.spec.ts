import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect, test, uniqueName } from './fixtures';

test('every operation is timed on the page with the worker share, and exported', async ({
  harness,
}) => {
  const name = uniqueName('monitor');
  const r = await harness.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, { dimensions: 100 });
    await index.upsert(
      words.base.ids.slice(0, 300).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    await index.save();
    // 20 distinct queries, then 10 of them again: those come from the cache.
    for (let i = 0; i < 30; i++) await index.search(words.queries.vectors[i % 20]!, { k: 5 });
    await index.searchBatch(words.queries.vectors.slice(40, 60), { k: 5, efSearch: 32 });
    const failed = await index.upsert([{ id: 'x', vector: [1, 2] }]).then(
      () => 'accepted',
      (e: { code?: string }) => e.code,
    );
    const snapshot = index.monitor.snapshot();
    const prometheus = vicinity.toPrometheus(index);
    const json = JSON.parse(JSON.stringify(vicinity.toJSON(index)));
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { snapshot, prometheus, json, failed };
  }, name);
  const ops = r.snapshot.operations;
  expect(ops.open?.count).toBe(1);
  expect(ops.upsert?.count).toBe(1); // the rejected batch never left the page
  expect(r.failed).toBe('DIMENSION_MISMATCH');
  expect(ops.save?.count).toBe(1);
  expect(ops.search).toMatchObject({
    count: 30,
    cacheHitRate: 10 / 30,
    efSearch: 64,
    errorRate: 0,
  });
  // Misses reached the worker, which reports its own share: less than what the caller waited.
  expect(ops.search!.workerMs!.p50).toBeGreaterThan(0);
  expect(ops.search!.workerMs!.p50).toBeLessThan(ops.search!.latencyMs.p50 + 1e-9);
  expect(ops.searchBatch).toMatchObject({ count: 1, efSearch: 32 });
  expect(ops.upsert!.workerMs!.max).toBeLessThanOrEqual(ops.upsert!.latencyMs.max);

  const families = new Map(
    parsePrometheusTextFormat(r.prometheus).map((f) => [f.name, f] as const),
  );
  const sample = (family: string, operation?: string) =>
    Number(
      families
        .get(family)!
        .metrics.find(
          (m) => m.labels?.index === name && (!operation || m.labels.operation === operation),
        )!.value,
    );
  expect(sample('vicinity_operations_total', 'search')).toBe(30);
  expect(sample('vicinity_cache_hits_total', 'search')).toBe(10);
  expect(sample('vicinity_index_size')).toBe(300);
  expect(sample('vicinity_ef_search')).toBe(64);
  expect(sample('vicinity_cache_bytes')).toBeGreaterThan(0);
  expect(r.json).toMatchObject({ health: 'healthy', index: { index: name, size: 300 } });
  expect(r.json.metrics.operations.search.count).toBe(30);
});
