import { test as base, expect, type Page } from '@playwright/test';

/** A page with the harness loaded (window.harness). */
export const test = base.extend<{ harness: Page }>({
  harness: async ({ page }, use) => {
    await openHarness(page);
    await use(page);
  },
});

export async function openHarness(page: Page): Promise<void> {
  await page.goto('/test/browser/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
}

/** A fresh index name per test, so that tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export { expect };
