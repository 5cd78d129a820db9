import { expect, test, type Page } from '@playwright/test';

// The demo used as a person would: the first visit builds the index of every
// WordNet definition, then descriptions are typed and the words that mean
// them must come first.

/** The words of the first `n` results, each entry the synset's words ("ocean, sea"). */
function topWords(page: Page, n: number) {
  return page
    .locator('#results li')
    .evaluateAll(
      (items, n) => items.slice(0, n).map((li) => (li as HTMLElement).dataset.words!),
      n,
    );
}

/** Types `text` and waits until the top 5 hold one of `expected` as a word of their own. */
async function expectWord(page: Page, text: string, expected: string[]) {
  await page.locator('#query').fill(text);
  await expect(page.locator('#results')).toHaveAttribute('data-query', text);
  await expect
    .poll(
      async () =>
        (await topWords(page, 5)).some((words) =>
          words.split(', ').some((w) => expected.includes(w)),
        ),
      { message: `"${text}" → one of ${expected.join(', ')} in the top 5` },
    )
    .toBe(true);
}

function tile(page: Page, key: string) {
  return page.locator(`vicinity-dashboard [data-tile="${key}"] .value`);
}

/**
 * Waits until the dashboard has judged everything before this call: alerts
 * are checked a second after an operation is recorded, and the dashboard
 * redraws once a second.
 */
function settle(page: Page) {
  return page.waitForTimeout(2_500);
}

/** The dashboard healthy, with no alert, once it has judged everything before this call. */
async function expectHealthy(page: Page, after: string) {
  await settle(page);
  const active = await page
    .locator('vicinity-dashboard [data-panel="alerts"] li:not([data-cleared])')
    .allTextContents();
  expect(active, `no alert after ${after}`).toEqual([]);
  await expect(page.locator('vicinity-dashboard .health'), `health after ${after}`).toHaveText(
    'healthy',
    { timeout: 1 },
  );
}

/** The count the dashboard's Operations table shows for one kind of operation (0 without a row). */
async function operationCount(page: Page, operation: string): Promise<number> {
  const row = page.locator(
    `vicinity-dashboard [data-panel="operations"] tr[data-operation="${operation}"]`,
  );
  if ((await row.count()) === 0) return 0;
  return Number((await row.locator('td').nth(1).textContent())!.replace(/,/g, ''));
}

/** As the load-test summary writes a share of searches. */
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
const count = (n: number) => Math.round(n).toLocaleString('en');

/** Reads a finished load test: its summary and the result's own figures, which the page keeps beside it. */
async function loadTestResult(page: Page) {
  const out = page.locator('#load-progress');
  await expect(out).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  const figures = await out.evaluate((p: HTMLElement) => ({ ...p.dataset }));
  return {
    summary: (await out.textContent())!,
    cache: figures.cache,
    requests: Number(figures.requests),
    cacheHits: Number(figures.cacheHits),
    cacheHitRate: Number(figures.cacheHitRate),
  };
}

/** Descriptions a visitor types one after another, none of them twice. */
const TYPED = [
  'a small house in the woods',
  'the opposite of hot',
  'a machine that flies',
  'a person who teaches',
  'the color of the sky',
  'a fruit that is yellow',
  'to move very fast',
  'a room where food is cooked',
  'a musical instrument with strings',
  'very old',
  'a large cat with stripes',
  'the day after today',
  'a story that is not true',
  'money paid for work',
  'a bird that cannot fly',
  'to make something clean',
  'a small river',
  'the top of a mountain',
  'a doctor for teeth',
  'cold weather with snow',
  'a vehicle with two wheels',
  'a sweet food made from sugar',
  'a person who steals',
  'the light from the sun',
  'a song sung to a baby',
];

test('the reverse dictionary: built on the first visit, describes words, filters, load-tests, reopens from IndexedDB and works offline', async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // A missing file (the favicon was one) shows only as a console error.
  page.on('console', (m) => {
    if (m.type() === 'error' && /status of 404/.test(m.text())) errors.push(m.text());
  });
  // The dev server sends each module as a file: room for all of them in the resource list.
  await page.addInitScript(() => performance.setResourceTimingBufferSize(5000));
  await page.goto('/demo/');
  // The first visit: a progress bar while the worker indexes every definition.
  await expect(page.locator('#progress')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#status')).toHaveAttribute('data-source', /^(built|error)$/, {
    timeout: 360_000,
  });
  // The text first: when the build failed, it says why.
  const built = await page.locator('#status').textContent();
  console.log(built);
  expect(built).toMatch(/^Indexed and saved 117,\d{3} definitions in [\d.]+ s\./);
  await expect(page.locator('#status')).toHaveAttribute('data-source', 'built', { timeout: 1 });
  await expect(page.locator('#progress')).toBeHidden();
  // What the first visit fetched (the worker's own files, under 1 MB, are not in the page's list).
  const fetched = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .reduce((sum, e) => sum + (e as PerformanceResourceTiming).encodedBodySize, 0),
  );
  console.log(`first visit: ${(fetched / 1e6).toFixed(1)} MB fetched by the page`);
  expect(fetched).toBeGreaterThan(15e6); // the assets are in the count
  expect(fetched).toBeLessThan(30e6);
  await expect(page.locator('#query')).toBeEnabled();
  // The build's bulk writes raise no latency alert, and with no search yet
  // the dashboard says so rather than a green "healthy" over empty tiles.
  const health = page.locator('vicinity-dashboard .health');
  await expect(health).toHaveText('no data yet');
  await expect(page.locator('vicinity-dashboard [data-panel="alerts"] li')).toHaveCount(0);

  // Descriptions → the words that mean them.
  await expectWord(page, 'a large body of salt water', ['ocean', 'sea']);
  await expect(health).toHaveText('healthy');
  await expectWord(page, 'the first meal of the day', ['breakfast']);
  await expectWord(page, 'a building where books are kept', ['library']);
  await expectWord(page, 'frozen water', ['ice']);
  await expectWord(page, 'a young dog', ['puppy', 'pup']);
  await expectWord(page, 'a tool for cutting wood', ['saw', 'power saw']);
  await expectWord(page, 'a place where airplanes land', ['airport', 'airfield', 'airdrome']);
  await expectWord(page, 'unable to see', ['blind']);
  await expectWord(page, 'a person who writes books', ['writer', 'author']);
  const first = page.locator('#results li').first();
  await expect(first.locator('.definition')).not.toBeEmpty();
  await expect(first.locator('.score')).toHaveText(/^\d\.\d{3}$/);

  // The part-of-speech filter runs in the worker.
  await page.locator('#query').fill('to speak very quietly');
  await page.getByLabel('verb', { exact: true }).check();
  await expect
    .poll(async () =>
      page.locator('#results li').evaluateAll((items) => items.map((li) => li.dataset.pos)),
    )
    .toEqual(Array(10).fill('verb'));
  // In the top 10, not 5: the prior puts everyday verbs ("address", "begin") first here.
  expect((await topWords(page, 10)).some((w) => /\b(whisper|murmur)\b/.test(w))).toBe(true);
  await page.getByLabel('noun', { exact: true }).check();
  await expect
    .poll(async () =>
      page.locator('#results li').evaluateAll((items) => items.map((li) => li.dataset.pos)),
    )
    .toEqual(Array(10).fill('noun'));
  await page.getByLabel('any', { exact: true }).check();

  // A word the vocabulary does not have is named, not silently dropped.
  await page.locator('#query').fill('a qzxv animal');
  await expect(page.locator('#unknown')).toHaveText('Not in the vocabulary: qzxv');
  await expect(page.locator('#status')).toHaveText(/ nearest in /);
  // No known word at all: nothing is searched, and the last search's line goes too.
  await page.locator('#query').fill('qzxv');
  await expect(page.locator('#results')).toHaveAttribute('data-query', 'qzxv');
  await expect(page.locator('#results li')).toHaveCount(0);
  await expect(page.locator('#status')).toHaveText('');

  // A visitor types one description after another, each of them new. The
  // query cache cannot answer what was never asked, and that is this page's
  // normal use: the dashboard stays healthy, and shows the hit rate of these
  // searches (not a load test's) without calling it a fault.
  const query = page.locator('#query');
  for (const text of TYPED) {
    await query.click();
    await query.press('ControlOrMeta+a');
    await query.pressSequentially(text, { delay: 50 });
    await expect(page.locator('#results')).toHaveAttribute('data-query', text);
    await expect(page.locator('#results li').first()).toBeVisible();
  }
  // All of them in the dashboard's window: more than the 20 an alert needs to judge.
  await expect
    .poll(() => operationCount(page, 'hybridSearch'))
    .toBeGreaterThanOrEqual(TYPED.length);
  await expectHealthy(page, `${TYPED.length} typed descriptions`);
  const hitTile = page.locator('vicinity-dashboard [data-tile="hits"]');
  await expect(hitTile.locator('.value')).toHaveText(/^\d+(\.\d)? %$/);
  await expect(hitTile.locator('.detail')).not.toContainText('loadtest');
  await expect(hitTile).toHaveAttribute('data-state', 'ok');

  // A load test moves the dashboard and the cache.
  await expect(tile(page, 'size')).toHaveText(/117,\d{3}/);
  const searchesBefore = await tile(page, 'errors').locator('..').locator('.detail').textContent();
  await page.locator('#load-users').fill('4');
  await page.locator('#load-seconds').fill('3');
  await expect(page.locator('#load-cache')).not.toBeChecked();
  await page.locator('#load-start').click();
  await expect(page.locator('#load-start')).toHaveText('Stop');
  await expect(page.locator('#load-progress')).toHaveAttribute('data-state', 'running');
  const measured = await loadTestResult(page);
  console.log(measured.summary);
  expect(measured.summary).toMatch(
    new RegExp(`^Done: ${count(measured.requests)} searches in [\\d.]+ s`),
  );
  expect(measured.summary).toMatch(/; 0 errors\.$/);
  await expect(tile(page, 'errors').locator('..').locator('.detail')).not.toHaveText(
    searchesBefore!,
  );
  await expect(tile(page, 'throughput')).not.toHaveText('0.0/s');
  await expect(page.locator('vicinity-dashboard [data-panel="operations"]')).toContainText(
    'loadtest',
  );
  // By default it measured the index, not the query cache: the summary says
  // so from the result, with the cache's share of it.
  expect(measured.cache).toBe('bypassed');
  expect(measured.requests).toBeGreaterThan(0);
  expect(measured.cacheHits).toBe(0);
  expect(measured.summary).toContain(
    `; ${count(measured.cacheHits)} (${percent(measured.cacheHitRate)}) answered by the query cache, which was bypassed: every search measured the index;`,
  );
  await expect(tile(page, 'hits')).toHaveText(/^\d+(\.\d)? %$/);
  await expectHealthy(page, 'the load test');

  // Through the cache, the same descriptions come back as cache hits, and the
  // summary gives their share: here the figures describe the cache.
  await page.locator('#load-cache').check();
  await page.locator('#load-seconds').fill('2');
  await page.locator('#load-start').click();
  await expect(page.locator('#load-progress')).toHaveAttribute('data-state', 'running');
  const cached = await loadTestResult(page);
  console.log(cached.summary);
  expect(cached.cache).toBe('used');
  expect(cached.cacheHits).toBeGreaterThan(0);
  expect(cached.cacheHitRate).toBeCloseTo(cached.cacheHits / cached.requests, 10);
  expect(cached.summary).toMatch(new RegExp(`^Done: ${count(cached.requests)} searches in `));
  expect(cached.summary).toContain(
    `; ${count(cached.cacheHits)} (${percent(cached.cacheHitRate)}) answered by the query cache: ` +
      (cached.cacheHitRate > 0.05
        ? 'the figures describe the cache more than the index;'
        : 'the rest measured the index;'),
  );
  await page.locator('#load-cache').uncheck();
  await expectHealthy(page, 'the load test through the cache');

  // The capacity test, with the tightest target it takes (0.5 ms), which a
  // fast device may meet with its first users and a slow one misses at once:
  // either way a result in words, and a chart of the steps.
  await page.locator('#capacity-target').fill('0.5');
  await page.locator('#capacity-start').click();
  await expect(page.locator('#capacity-result')).toHaveAttribute('data-state', 'done', {
    timeout: 30_000,
  });
  await expect(page.locator('#capacity-result')).toHaveText(
    /^(Even one user misses a p95 of 0\.5 ms on this device\.|Capacity: [\d,]+ searches\/s at \d+ users, p95 [\d.]+ ms within 0\.5 ms(\.| \(64 users, the most tried, still held\)\.))$/,
  );
  await expect(page.locator('#capacity-chart canvas')).toHaveCount(1);

  // The optimizer, switched on as a visitor would: it measures this device,
  // aims under it, and efSearch moves, never past the recall floor.
  const state = page.locator('#optimizer-state');
  await expect(state).toHaveText(/^Off; efSearch \d+$/);
  const efOf = (text: string | null) => Number(/efSearch (\d+)/.exec(text ?? '')?.[1]);
  const startEf = efOf(await state.textContent());
  await expect(tile(page, 'ef')).toHaveText(String(startEf));
  await page.locator('#optimizer-switch').check();
  await expect(state).toHaveText(
    /^On; efSearch \d+; p95 target [\d.]+ ms, under the [\d.]+ ms measured here; /,
    { timeout: 30_000 },
  );
  await expect
    .poll(async () => efOf(await state.textContent()), {
      message: `efSearch moves from ${startEf}`,
      timeout: 150_000,
    })
    .not.toBe(startEf);
  const history = page.locator('#optimizer-history li');
  console.log(await state.textContent());
  console.log((await history.allTextContents()).join('\n'));
  // The latest decision, with its reason and how it was judged.
  const latest = page.locator('#optimizer-latest');
  await expect(latest).toHaveText(/^Latest: efSearch \d+ → \d+\. Why: .+\. Outcome: .+\.$/);
  console.log(await latest.textContent());
  // The recall guard: the recall estimated at the efSearch in force is shown,
  // and is at or over the floor.
  const floor = Number(await state.getAttribute('data-floor'));
  expect(floor).toBe(0.95);
  let shown = '';
  await expect
    .poll(
      async () => {
        let recall: string | undefined;
        ({ shown, recall } = await state.evaluate((p: HTMLElement) => ({
          shown: p.textContent!,
          recall: p.dataset.recall,
        })));
        if (recall === undefined) return `no recall shown: ${shown}`;
        return Number(recall) >= floor ? 'at or over the floor' : `under the floor: ${shown}`;
      },
      { message: 'estimated recall at the current efSearch', timeout: 60_000 },
    )
    .toBe('at or over the floor');
  // What the page shows is that estimate, at the efSearch in force.
  const recallShown = /recall@10 at (\d+) ≈ ([\d.]+) % of \d+ samples, floor 95\.0 %/.exec(shown);
  expect(recallShown, shown).not.toBeNull();
  expect(Number(recallShown![1])).toBe(efOf(shown));
  expect(Number(recallShown![2])).toBeGreaterThanOrEqual(95);
  // Each step down it kept had the recall for it.
  for (const item of await history.all()) {
    const d = await item.evaluate((li: HTMLElement) => ({ ...li.dataset }));
    if (d.parameter !== 'efSearch' || d.outcome !== 'kept' || d.recall === undefined) continue;
    if (Number(d.to) < Number(d.from))
      expect(Number(d.recall), `recall after ${d.from} → ${d.to}`).toBeGreaterThanOrEqual(floor);
  }
  // Its target is under what this device does, and efSearch buys little of a
  // page's latency, so the guard may hold efSearch at the floor with the
  // target still missed. Then the only alert is the recall floor's, which
  // says so (a warning); nothing else.
  await settle(page);
  const active = page.locator('vicinity-dashboard [data-panel="alerts"] li:not([data-cleared])');
  const raised = await active.locator('.what').allTextContents();
  console.log(`after the optimizer: ${(await health.textContent())!}; ${raised.join('; ')}`);
  if (raised.length === 0) {
    await expect(health).toHaveText('healthy', { timeout: 1 });
  } else {
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatch(
      /^p95 [\d.]+ ms is over the target [\d.]+ ms(, but efSearch \d+ would bring estimated recall to [\d.]+ %, too close to the floor 95\.0 %| at the smallest efSearch \d+)$/,
    );
    await expect(active).toHaveAttribute('data-severity', 'warning', { timeout: 1 });
    await expect(health).toHaveText('degraded', { timeout: 1 });
  }

  // The page at a phone's, a tablet's and a desktop's width, light and dark.
  for (const width of [360, 768, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator('#query').fill('a large body of salt water');
    await expect(page.locator('#results')).toHaveAttribute(
      'data-query',
      'a large body of salt water',
    );
    await expect(page.locator('#results li')).toHaveCount(10);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `nothing sticks out at ${width} px`).toBeLessThanOrEqual(0);
      // Nor is anything cut off inside: the capacity chart, drawn at another
      // width, is sized to its panel again.
      const clipped = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('main *')]
          .filter((e) => getComputedStyle(e).overflowX !== 'visible')
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map(
            (e) =>
              `${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`,
          ),
      );
      expect(clipped, `nothing is cut off at ${width} px`).toEqual([]);
      await expect
        .poll(
          () =>
            page
              .locator('#capacity-chart')
              .evaluate(
                (chart) =>
                  chart.clientWidth - chart.querySelector<HTMLElement>('.uplot')!.offsetWidth,
              ),
          { message: `the capacity chart is as wide as its panel at ${width} px` },
        )
        .toBe(0);
      const path = testInfo.outputPath(`demo-${width}-${scheme}.png`);
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(`demo-${width}-${scheme}`, { path, contentType: 'image/png' });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // A reload opens the saved index instead of building it again.
  await page.reload();
  await expect(page.locator('#status')).toHaveAttribute('data-source', 'indexeddb', {
    timeout: 60_000,
  });
  const opened = await page.locator('#status').textContent();
  console.log(opened);
  expect(opened).toMatch(/^Opened 117,\d{3} definitions from IndexedDB in \d+ ms\.$/);
  await expectWord(page, 'frozen water', ['ice']);

  // With the network off, the page still answers.
  await context.setOffline(true);
  await expect
    .poll(() =>
      page.evaluate(() =>
        fetch('/demo/assets/manifest.json', { cache: 'no-store' }).then(
          () => 'online',
          () => 'offline',
        ),
      ),
    )
    .toBe('offline');
  await expectWord(page, 'a young dog', ['puppy', 'pup']);
  await expectWord(page, 'unable to see', ['blind']);
  expect(errors).toEqual([]);
});
