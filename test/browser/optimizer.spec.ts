import type { Page } from '@playwright/test';
import { expect, test, uniqueName } from './fixtures';

// The optimizer drives the index through its public calls; it does not
// depend on the engine, so this file runs in the default project only.

type Window_ = Window & {
  opt: {
    index: import('../../src/index').VectorIndex;
    optimizer?: import('../../src/index').AdaptiveOptimizer;
    load?: AbortController;
    loadDone?: Promise<unknown>;
    queries: Float32Array[];
  };
};

/**
 * 12,000 real words (cache off: every search reaches the worker). `wide`: 16,000
 * vectors of 400 dimensions, each four words' vectors end to end, so that the
 * search itself, which efSearch scales, is a larger part of what a caller waits
 * (throttling slows the page, not the worker), and so that efSearch up to 1,024
 * still scales it (on 8,000 vectors the search at 512 already visits most of them).
 */
async function setUp(page: Page, name: string, efSearch = 256, wide = false) {
  await page.evaluate(
    async ({ name, efSearch, wide }) => {
      const { vicinity, fetchWords } = window.harness;
      const words = await fetchWords();
      const widen = (list: Float32Array[], i: number) => {
        if (!wide) return list[i]!;
        const out = new Float32Array(400);
        const n = list.length;
        // Past the word list, other combinations of words.
        for (let j = 0; j < 4; j++) out.set(list[(i < n ? i + j : i * 7 + j * 13) % n]!, j * 100);
        return out;
      };
      const index = await vicinity.VectorIndex.open(name, {
        dimensions: wide ? 400 : 100,
        efSearch,
        cache: false,
      });
      const count = wide ? 16_000 : words.base.ids.length;
      for (let from = 0; from < count; from += 2000)
        await index.upsert(
          Array.from({ length: Math.min(2000, count - from) }, (_, i) => ({
            id: words.base.ids[from + i] ?? `combined-${from + i}`,
            vector: widen(words.base.vectors, from + i),
          })),
        );
      const queries = words.queries.vectors.slice(0, 200).map((_, i, all) => widen(all, i));
      (window as unknown as Window_).opt = { index, queries };
    },
    { name, efSearch, wide },
  );
}

/**
 * p95 at each efSearch, measured as the optimizer will see it: searches of a
 * one-user load test (the same queries and variants as `startLoad`), read back
 * from the monitor, at each efSearch in turn, in alternating rounds so that
 * noise hits all alike. (Timing awaited calls here instead read 1–2 ms higher
 * than the load test's p95 at the same efSearch: too much bias for a target a
 * few ms below it.) Leaves efSearch at the first value.
 */
function calibrate(page: Page, efs: number[]) {
  return page.evaluate(async (efs) => {
    const { index, queries } = (window as unknown as Window_).opt;
    const tester = new window.harness.vicinity.LoadTester(index);
    const run = (requests: number) =>
      tester.run({
        queries,
        variations: { perQuery: 2, noise: 0.02 },
        users: 1,
        requests,
        search: { k: 10 },
      });
    // Warm up first: the first searches after a build pay for compilation and garbage collection.
    await run(40);
    const times = efs.map(() => [] as number[]);
    for (let round = 0; round < 6; round++) {
      for (let e = 0; e < efs.length; e++) {
        await index.setEfSearch(efs[e]!);
        await run(25);
        const last = index.monitor
          .records()
          .filter((r) => r.operation === 'loadtest')
          .slice(-25);
        times[e]!.push(...last.map((r) => r.totalMs));
      }
    }
    await index.setEfSearch(efs[0]!);
    const at = (t: number[], q: number) => t[Math.ceil(q * t.length) - 1]!;
    for (const t of times) t.sort((a, b) => a - b);
    return times.map((t) => at(t, 0.95));
  }, efs);
}

/** Starts a load test (one user, no think time) that runs until stopped. */
function startLoad(page: Page) {
  return page.evaluate(() => {
    const o = (window as unknown as Window_).opt;
    o.load = new AbortController();
    o.loadDone = new window.harness.vicinity.LoadTester(o.index).run({
      queries: o.queries,
      variations: { perQuery: 2, noise: 0.02 },
      users: 1,
      durationMs: 600_000,
      search: { k: 10 },
      signal: o.load.signal,
    });
  });
}

/** What the optimizer is at: efSearch, p95 since its last change, recall there, its history. */
function state(page: Page) {
  return page.evaluate(async () => {
    const o = (window as unknown as Window_).opt;
    const optimizer = o.optimizer!;
    const since = optimizer.policy.since;
    const latencies = o.index.monitor
      .records()
      .filter((r) => r.operation === 'loadtest' && !r.cached && r.startedAt >= since)
      .map((r) => r.totalMs)
      .sort((a, b) => a - b);
    const efSearch = (await o.index.stats()).efSearch;
    return {
      efSearch,
      samples: latencies.length,
      p95: latencies.length ? latencies[Math.ceil(0.95 * latencies.length) - 1]! : null,
      recall: await optimizer.recall.estimate(efSearch),
      history: optimizer.history(),
      alerts: o.index.monitor.alerts.history().filter((a) => a.kind === 'recallFloor'),
      active: o.index.monitor.alerts.active().filter((a) => a.kind === 'recallFloor'),
    };
  });
}

/** The throttle test's optimizer, aiming at `target` ms, and a load test for it to watch. */
async function startTuning(page: Page, target: number, floor: number) {
  await page.evaluate(
    ({ target, floor }) => {
      const o = (window as unknown as Window_).opt;
      o.optimizer = new window.harness.vicinity.AdaptiveOptimizer(o.index, {
        targetP95Ms: target,
        recallFloor: floor,
        maxEfSearch: 1024,
        intervalMs: 300,
        cooldownMs: 500,
        // p95 of 100 searches: on a shared machine, fewer make the validator's 5 % rule a coin toss.
        minSamples: 100,
        recall: { sampleEvery: 10 },
        validate: { mode: 'live', liveQueries: 100 },
        cacheBytes: null,
      });
    },
    { target, floor },
  );
  await startLoad(page);
}

/** Stops the optimizer and the load test, once both have settled. */
function stopTuning(page: Page) {
  return page.evaluate(async () => {
    const o = (window as unknown as Window_).opt;
    o.optimizer?.disable();
    o.load?.abort();
    await o.loadDone;
    await o.optimizer?.settled();
  });
}

async function tearDown(page: Page, name: string) {
  await stopTuning(page);
  await page.evaluate(async (name) => {
    const o = (window as unknown as Window_).opt;
    await o.index.close();
    await window.harness.vicinity.VectorIndex.delete(name);
  }, name);
}

test('with the CPU throttled 4×, efSearch goes down until p95 meets the target with recall at the floor or above; unthrottled, with room under a new target, it goes back up', async ({
  harness: page,
}) => {
  test.setTimeout(360_000);
  const name = uniqueName('optimizer-throttle');
  const cdp = await page.context().newCDPSession(page);
  const t0 = Date.now();
  const phase = (what: string) =>
    console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  await setUp(page, name, 1024, true);
  phase('built');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const floor = 0.9;
  let target = 0;
  let last: Awaited<ReturnType<typeof state>> | undefined;
  // This machine is shared and its speed drifts: when it got faster after the
  // target was set, so that efSearch 1,024 meets it and there is nothing to
  // lower, the test measures again and sets a new target. A steady load read
  // by the running optimizer can also be faster at efSearch 1,024 than the
  // calibration: the next target then starts from what the optimizer saw.
  let seenAt1024: number | undefined;
  for (let attempt = 1; ; attempt++) {
    // Measure again when a burst of other work hid the difference.
    let [slow, fast] = await calibrate(page, [1024, 64]);
    for (let retry = 0; retry < 3 && slow! / fast! < 1.25; retry++)
      [slow, fast] = await calibrate(page, [1024, 64]);
    // A target a third of the way from what efSearch 1,024 costs on this machine,
    // now, to what 64 costs: reachable, but only by going down.
    const from = Math.min(slow!, seenAt1024 ?? Infinity);
    target = from - (from - fast!) / 3;
    console.log(
      `throttled 4×: p95 ${slow!.toFixed(2)} ms at ef 1024, ${fast!.toFixed(2)} ms at ef 64; target ${target.toFixed(2)} ms`,
    );
    expect(slow! / fast!).toBeGreaterThan(1.25); // efSearch must matter, or there is nothing to tune
    await startTuning(page, target, floor);
    const outcome = await expect
      .poll(
        async () => {
          const s = (last = await state(page));
          if (s.samples < 100 || s.p95 === null || s.p95 > target) return false;
          return s.efSearch < 1024 ? 'met' : s.history.length === 0 && s.samples >= 300;
        },
        { timeout: 180_000, intervals: [1000] },
      )
      .toBeTruthy()
      .then(
        () => (last!.efSearch < 1024 ? 'met' : 'drifted'),
        (error: unknown) => {
          // What the optimizer did, to tell a slow machine from a wrong rule.
          console.log(
            `not met: ef ${last?.efSearch}, p95 ${last?.p95} over ${last?.samples}; ` +
              (last?.history ?? [])
                .map((d) => `${d.from}→${d.to} ${d.validation ?? d.outcome}`)
                .join('; '),
          );
          throw error;
        },
      );
    if (outcome === 'met') break;
    console.log(`the machine got faster: p95 ${last!.p95} ms at ef 1024 meets the target`);
    seenAt1024 = last!.p95!;
    expect(attempt).toBeLessThan(6);
    await stopTuning(page);
  }
  phase('target met');
  const met = await state(page);
  console.log(
    `met: ef ${met.efSearch}, p95 ${met.p95!.toFixed(2)} ms, recall ${met.recall.recall.toFixed(3)}; ` +
      met.history.map((d) => `${d.from}→${d.to} ${d.outcome}`).join(', '),
  );
  expect(met.recall.recall).toBeGreaterThanOrEqual(floor);
  for (const d of met.history.filter((d) => d.to < d.from && d.outcome === 'kept'))
    expect(d.after?.recall ?? 1).toBeGreaterThanOrEqual(floor);
  expect(met.history.every((d) => d.reason.length > 0 && d.before !== undefined)).toBe(true);

  // Back at full speed, with a target that leaves room. Throttling slows the
  // page, not the worker, so lifting it alone need not bring p95 under half the
  // old target (the headroom band): on a quiet machine the worker's share
  // dominates. So the new target is set from p95 measured now, at this
  // efSearch, unthrottled: three times it, so that p95 is well under it.
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await stopTuning(page);
  const [now] = await calibrate(page, [met.efSearch]);
  const roomy = 3 * now!;
  console.log(
    `unthrottled: p95 ${now!.toFixed(2)} ms at ef ${met.efSearch}; new target ${roomy.toFixed(2)} ms`,
  );
  await startTuning(page, roomy, floor);
  await expect
    .poll(async () => (await state(page)).efSearch, { timeout: 120_000, intervals: [1000] })
    .toBeGreaterThan(met.efSearch);
  phase('raised');
  const raised = await state(page);
  expect(raised.history.some((d) => d.to > d.from && d.reason.includes('well under'))).toBe(true);
  await tearDown(page, name);
});

test('with a target out of reach, efSearch stops where recall would fall under the floor, and one alert says so', async ({
  harness: page,
}) => {
  test.setTimeout(180_000);
  const name = uniqueName('optimizer-floor');
  await setUp(page, name);
  const floor = 0.97;
  await page.evaluate((floor) => {
    const o = (window as unknown as Window_).opt;
    o.optimizer = new window.harness.vicinity.AdaptiveOptimizer(o.index, {
      targetP95Ms: 0.001,
      recallFloor: floor,
      intervalMs: 200,
      cooldownMs: 300,
      minSamples: 20,
      minRecallSamples: 16,
      recall: { sampleEvery: 5, sampleSize: 64 },
      validate: false,
      cacheBytes: null,
    });
  }, floor);
  await startLoad(page);
  // Held: the alert is up and efSearch sits where the estimated recall is at the floor or above.
  await expect
    .poll(
      async () => {
        const s = await state(page);
        return s.active.length === 1 && s.recall.samples >= 16 && s.recall.recall >= floor;
      },
      { timeout: 120_000, intervals: [500] },
    )
    .toBe(true);
  await page.waitForTimeout(2000); // more cycles: the alert is not raised again
  const later = await state(page);
  console.log(
    `held at ef ${later.efSearch} (recall ${later.recall.recall.toFixed(3)}, ${later.recall.samples} samples): ` +
      `${later.active[0]?.message}; ${later.history.map((d) => `${d.from}→${d.to}`).join(', ')}`,
  );
  expect(later.efSearch).toBeLessThan(256);
  expect(later.active).toHaveLength(1);
  expect(later.alerts.filter((a) => a.clearedAt === null)).toHaveLength(1);
  expect(later.active[0]!.message).toMatch(/too close to the floor 97.0 %/);
  // Every step down was taken with the estimate at the lower value above the floor.
  for (const d of later.history.filter((d) => d.to < d.from))
    expect(d.reason).toMatch(/estimated recall at \d+ is (9[89]|100)\.\d %/);
  await tearDown(page, name);
});

test('the validator reverts a change that made recall worse, and the dashboard shows it', async ({
  harness: page,
}) => {
  test.setTimeout(120_000);
  const name = uniqueName('optimizer-revert');
  await setUp(page, name, 128);
  const r = await page.evaluate(async () => {
    const { vicinity, dashboard } = window.harness;
    await dashboard();
    const o = (window as unknown as Window_).opt;
    // Steps of 90 % with no floor: the policy alone would go from 128 to 12.
    o.optimizer = new vicinity.AdaptiveOptimizer(o.index, {
      targetP95Ms: 0.001,
      recallFloor: 0,
      step: 0.9,
      minSamples: 10,
      minRecallSamples: 1,
      cooldownMs: 0,
      intervalMs: 60_000,
      recall: { sampleEvery: 1 },
      validate: { mode: 'fixed', queries: o.queries.slice(100, 130), rounds: 1 },
      cacheBytes: null,
    });
    for (const q of o.queries.slice(0, 20)) await o.index.search(q, { k: 10 });
    await o.optimizer.recall.fill();
    const events: string[] = [];
    o.optimizer.onChange((e) => events.push(`${e.type} ${e.decision.outcome}`));
    const decision = await o.optimizer.cycle();
    await o.optimizer.settled();
    const element = document.createElement('vicinity-dashboard');
    element.index = o.index;
    element.optimizer = o.optimizer;
    document.body.append(element);
    element.refresh();
    const panel = element.shadowRoot!.querySelector('[data-panel="optimizer"]')!.textContent;
    element.remove();
    return {
      decision,
      history: o.optimizer.history(),
      efSearch: (await o.index.stats()).efSearch,
      events,
      panel,
    };
  });
  expect(r.decision).toMatchObject({ parameter: 'efSearch', from: 128, to: 12 });
  expect(r.history).toHaveLength(1);
  expect(r.history[0]).toMatchObject({ from: 128, to: 12, outcome: 'reverted' });
  expect(r.history[0]!.validation).toMatch(/^reverted: .*recall fell too far/);
  expect(r.history[0]!.after!.recall!).toBeLessThan(r.history[0]!.before!.recall! - 0.02);
  expect(r.efSearch).toBe(128);
  expect(r.events).toEqual(['changed pending', 'validated reverted']);
  expect(r.panel).toContain('efSearch 128 → 12');
  expect(r.panel).toContain('reverted');
  await tearDown(page, name);
});

test('the cache grows while few searches hit it, within its bounds', async ({ harness: page }) => {
  const name = uniqueName('optimizer-cache');
  const r = await page.evaluate(async (name) => {
    const { vicinity, fetchWords } = window.harness;
    const words = await fetchWords();
    const index = await vicinity.VectorIndex.open(name, {
      dimensions: 100,
      cache: { maxBytes: 1 << 20, persist: false },
    });
    await index.upsert(
      words.base.ids.slice(0, 500).map((id, i) => ({ id, vector: words.base.vectors[i]! })),
    );
    const optimizer = new vicinity.AdaptiveOptimizer(index, {
      intervalMs: 60_000,
      minSamples: 20,
      cooldownMs: 0,
      validate: false,
      cacheBytes: { min: 1 << 18, max: 2 << 20 },
    });
    // 40 different queries: none hits the cache.
    for (const q of words.queries.vectors.slice(0, 40)) await index.search(q, { k: 5 });
    await optimizer.cycle();
    const first = index.cache!.stats().maxBytes;
    await optimizer.cycle();
    const second = index.cache!.stats().maxBytes;
    await optimizer.cycle();
    const third = index.cache!.stats().maxBytes;
    const history = optimizer.history().filter((d) => d.parameter === 'cacheBytes');
    optimizer.disable();
    await index.close();
    await vicinity.VectorIndex.delete(name);
    return { first, second, third, history };
  }, name);
  expect(r.first).toBe(Math.round((1 << 20) * 1.5));
  expect(r.second).toBe(2 << 20); // capped at the maximum
  expect(r.third).toBe(2 << 20);
  expect(r.history.map((d) => [d.from, d.to])).toEqual([
    [1 << 20, Math.round((1 << 20) * 1.5)],
    [Math.round((1 << 20) * 1.5), 2 << 20],
  ]);
  expect(r.history[0]!.reason).toMatch(/cache hit rate 0.0 % is under 50 %/);
});
