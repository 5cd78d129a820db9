import { test as base, expect, type Page } from '@playwright/test';

export type EngineName = 'simd' | 'hnswlib-wasm';

/**
 * A page with the harness loaded (window.harness), opening indexes with the
 * engine of the Playwright project: the whole suite runs against each.
 */
export const test = base.extend<{ harness: Page; engine: EngineName }>({
  engine: ['simd', { option: true }],
  harness: async ({ page, engine }, use) => {
    await openHarness(page, engine);
    await use(page);
  },
});

export async function openHarness(page: Page, engine?: EngineName): Promise<void> {
  const current = new URL(page.url() === 'about:blank' ? 'http://x/' : page.url()).searchParams.get(
    'engine',
  );
  await page.goto(`/test/browser/harness.html?engine=${engine ?? current ?? 'auto'}`);
  await expect(page.locator('#status')).toHaveText('ready');
}

/**
 * The rounds a randomised test runs on this engine. What those rounds
 * exercise (storage, supervision, tabs, the model) is the page's and the
 * worker's own code, the same whichever engine runs; the fallback engine
 * (hnswlib-wasm) runs a third of them, enough to catch a difference in the
 * bytes it writes and reads, so that `npm test` stays near 20 minutes.
 * FALLBACK_ROUNDS=full runs it in full.
 */
export function roundsFor(engine: EngineName, rounds: number): number {
  if (engine === 'simd' || process.env.FALLBACK_ROUNDS === 'full') return rounds;
  return Math.max(1, Math.ceil(rounds / 3));
}

/** A fresh index name per test, so that tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Serves every response, the worker script's included, with this policy: a worker takes its policy from its own response. */
export async function servePolicy(page: Page, policy: string): Promise<void> {
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': policy },
    });
  });
}

export { expect };

/**
 * Records every worker the library starts on `page` (window.startedWorkers),
 * so that a test can crash one (an ErrorEvent is what a crashing worker
 * fires), kill it silently (terminate() fires nothing: only a deadline can
 * notice) or tamper with its messages.
 */
export async function recordWorkers(page: Page): Promise<void> {
  await page.evaluate(() => {
    const started: Worker[] = [];
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        started.push(this);
      }
    };
    (window as unknown as { startedWorkers: Worker[] }).startedWorkers = started;
  });
}
