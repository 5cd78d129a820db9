import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { QueryLog } from '../../src/cache/QueryLog.js';
import { warmCache, type WarmTarget } from '../../src/cache/CacheWarmer.js';
import { keyvalStore } from '../../src/cache/keyvalStore.js';
import { set } from 'idb-keyval';
import fc from 'fast-check';

function clock() {
  let t = 0;
  return () => ++t;
}

describe('QueryLog', () => {
  it('counts queries by query, k and filter (in any key order)', () => {
    const log = new QueryLog(10, undefined, clock());
    const v = new Float32Array([1, 2]);
    for (let i = 0; i < 3; i++) log.record(v, 5, { a: 1, b: 2 });
    log.record(new Float32Array([1, 2]), 5, { b: 2, a: 1 });
    log.record(v, 6, undefined);
    log.record('ocean', 5, undefined);
    const top = log.top(1, 10);
    expect(top.map((q) => q.count)).toEqual([4, 1, 1]);
    expect(top[0]).toMatchObject({ k: 5, filter: { a: 1, b: 2 } });
    expect(log.top(2, 10)).toHaveLength(1);
    expect(log.top(1, 2)).toHaveLength(2);
  });

  it('stays within its bound, dropping the least searched and oldest', () => {
    const log = new QueryLog(3, undefined, clock());
    for (const [q, n] of [
      ['a', 3],
      ['b', 1],
      ['c', 2],
      ['d', 1],
    ] as const)
      for (let i = 0; i < n; i++) log.record(q, 1, undefined);
    expect(log.size).toBe(3);
    expect(log.top(1, 10).map((q) => q.query)).toEqual(['a', 'c', 'd']);
  });

  it('keeps its own copy of a recorded vector', () => {
    const log = new QueryLog(3);
    const v = new Float32Array([1, 2]);
    log.record(v, 1, undefined);
    v[0] = 9;
    expect(Array.from(log.top(1, 1)[0]!.query as Float32Array)).toEqual([1, 2]);
  });

  it('persists and reads back, ignoring malformed records', async () => {
    const store = keyvalStore(`querylog-${Math.random()}`, 'log');
    const log = new QueryLog(10, store);
    log.record('sea', 3, undefined);
    log.record('sea', 3, undefined);
    await log.persist();
    const again = new QueryLog(10, store);
    await again.load();
    expect(again.top(2, 10)).toMatchObject([{ query: 'sea', k: 3, count: 2 }]);
    await set(
      'queries',
      [['x', { query: 5 }], 'junk', ['y', { query: 'ok', k: 1, count: 1, lastSeen: 1 }]],
      store,
    );
    const third = new QueryLog(10, store);
    await third.load();
    expect(third.top(1, 10).map((q) => q.query)).toEqual(['ok']);
  });
});

describe('warmCache', () => {
  function target(queries: string[], cached: Set<string>, busyAfter = Infinity) {
    const searched: string[] = [];
    let idles = 0;
    const t: WarmTarget = {
      candidates: (min, top) =>
        queries.slice(0, top).map((query) => ({ query, k: 1, count: min, lastSeen: 0 })),
      isCached: (q) => cached.has(q.query as string),
      search: async (q) => {
        searched.push(q.query as string);
        cached.add(q.query as string);
      },
      busy: () => idles > busyAfter,
      idle: async () => {
        idles++;
      },
    };
    return { t, searched };
  }

  it('runs the uncached queries one at a time, skips the cached, and reports progress', async () => {
    const { t, searched } = target(['a', 'b', 'c', 'd'], new Set(['b']));
    const progress: number[] = [];
    const result = await warmCache(t, { onProgress: (p) => progress.push(p.done) });
    expect(searched).toEqual(['a', 'c', 'd']);
    expect(result).toEqual({ total: 4, done: 4, warmed: 3, skipped: 1, stopped: 'done' });
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('takes topN and passes minFrequency, with the defaults 5 and 50', async () => {
    let asked: number[] = [];
    const { t } = target(
      Array.from({ length: 80 }, (_, i) => `q${i}`),
      new Set(),
    );
    const spy: WarmTarget = {
      ...t,
      candidates: (min, top) => ((asked = [min, top]), t.candidates(min, top)),
    };
    expect((await warmCache(spy)).total).toBe(50);
    expect(asked).toEqual([5, 50]);
    await warmCache(spy, { minFrequency: 2, topN: 3 });
    expect(asked).toEqual([2, 3]);
  });

  it('stops on abort and when the page gets busy', async () => {
    const controller = new AbortController();
    const { t, searched } = target(['a', 'b', 'c'], new Set());
    const aborted = await warmCache(t, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(aborted).toMatchObject({ stopped: 'aborted', done: 1 });
    expect(searched).toEqual(['a']);
    const busy = target(['a', 'b', 'c'], new Set(), 2);
    expect(await warmCache(busy.t)).toMatchObject({ stopped: 'busy', done: 2 });
  });
});

describe('QueryLog against a plain model', () => {
  it('keeps the same queries with the same counts as scanning for the least searched, oldest first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300 }),
        (max, searches) => {
          const log = new QueryLog(max, undefined, clock());
          // The model: a list of [query, count, lastSeen], evicting by a scan.
          const model = new Map<string, { count: number; lastSeen: number }>();
          let t = 0;
          for (const n of searches) {
            const q = `q${n}`;
            log.record(q, 1, undefined);
            t++;
            const seen = model.get(q);
            if (!seen && model.size >= max) {
              let victim: string | undefined;
              for (const [key, v] of model) {
                const w = victim === undefined ? undefined : model.get(victim)!;
                if (!w || v.count < w.count || (v.count === w.count && v.lastSeen < w.lastSeen))
                  victim = key;
              }
              model.delete(victim!);
            }
            model.set(q, { count: (seen?.count ?? 0) + 1, lastSeen: t });
          }
          const got = log.top(1, max).map((x) => [x.query, x.count, x.lastSeen]);
          const want = [...model]
            .sort((a, b) => b[1].count - a[1].count || b[1].lastSeen - a[1].lastSeen)
            .map(([q, v]) => [q, v.count, v.lastSeen]);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
