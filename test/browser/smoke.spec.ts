import { expect, test } from '@playwright/test';

test('smoke', async ({ page }) => {
  page.on('console', (m) => console.log('page:', m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/test/browser/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
  const out = await page.evaluate(async () => {
    const { vicinity } = window.harness;
    const index = await vicinity.VectorIndex.open('smoke', { dimensions: 3 });
    await index.upsert([
      { id: 'a', vector: [1, 0, 0], metadata: { g: 'x' } },
      { id: 'b', vector: [0, 1, 0] },
    ]);
    const hits = await index.search([1, 0.1, 0], { k: 2 });
    const saved = await index.save();
    const stats = await index.stats();
    let err;
    try { await index.search([1, 0], { k: 1 }); } catch (e) { err = [(e as { code: string }).code, (e as Error).message, e instanceof vicinity.VicinityError]; }
    await index.close();
    const again = await vicinity.VectorIndex.open('smoke');
    const hits2 = await again.search([1, 0.1, 0], { k: 2 });
    await again.close();
    await vicinity.VectorIndex.delete('smoke');
    return { hits, saved, stats, err, hits2 };
  });
  console.log(JSON.stringify(out, null, 1));
});
