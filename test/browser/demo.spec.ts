import { expect, test } from '@playwright/test';

test('the demo builds, searches as you type, filters, and reopens from IndexedDB', async ({
  page,
}, testInfo) => {
  await page.goto('/demo/');
  const query = page.locator('#query');
  await expect(query).toBeEnabled({ timeout: 60_000 });
  await expect(page.locator('#status')).toContainText('Indexed and saved');

  await query.fill('ocean');
  const results = page.locator('#results li');
  await expect(results).toHaveCount(10);
  const words = await results.evaluateAll((items) =>
    items.map((li) => (li as HTMLElement).dataset.id),
  );
  expect(words).not.toContain('ocean');
  expect(words.some((w) => ['sea', 'pacific', 'atlantic', 'seas', 'coast'].includes(w!))).toBe(
    true,
  );

  // Two words: their mean.
  await query.fill('king woman');
  await expect(page.locator('#results li[data-id="queen"]')).toBeVisible();

  // The filter runs in the worker: every word shown has at least 8 letters.
  await page.locator('#min-length').fill('8');
  await expect(results.first()).toBeVisible();
  await expect
    .poll(async () =>
      (
        await results.evaluateAll((items) =>
          items.map((li) => (li as HTMLElement).dataset.id!.length),
        )
      ).every((n) => n >= 8),
    )
    .toBe(true);

  await query.fill('zzzqx');
  await expect(page.locator('#unknown')).toContainText('zzzqx');
  await expect(results).toHaveCount(0);

  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await query.fill('river');
    await expect(results.first()).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`demo-${width}.png`), fullPage: true });
  }

  await page.reload();
  await expect(page.locator('#status')).toContainText('from IndexedDB', { timeout: 30_000 });
  await page.locator('#query').fill('ocean');
  await expect(results).toHaveCount(10);
});
