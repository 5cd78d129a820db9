import type { Page } from '@playwright/test';
import { expect, openHarness, servePolicy, test } from './fixtures';

/** Tries each engine on the page; also proves the policy is in force (a string timer is eval). */
async function tryEngines(page: Page) {
  return page.evaluate(async () => {
    const { VectorIndex, VicinityError } = window.harness.vicinity;
    const outcome = async (engine: 'simd' | 'hnswlib-wasm' | 'auto') => {
      const name = `csp-${engine}`;
      try {
        const index = await VectorIndex.open(name, { dimensions: 2, engine });
        await index.upsert([{ id: 'a', vector: [1, 0] }]);
        const hit = (await index.search([1, 0], { k: 1 }))[0]?.id;
        const stats = await index.stats();
        await index.save();
        await index.close();
        await VectorIndex.delete(name);
        return hit === 'a' ? `ok ${stats.engine}` : 'wrong answer';
      } catch (error) {
        return error instanceof VicinityError
          ? `${error.code}: ${error.message}`
          : `raw: ${String(error)}`;
      }
    };
    const evalBlocked = await new Promise<boolean>((resolve) => {
      document.addEventListener('securitypolicyviolation', () => resolve(true), { once: true });
      try {
        setTimeout('void 0', 0);
      } catch {
        resolve(true); // Trusted Types refuse the string before CSP sees it
      }
      setTimeout(() => resolve(false), 500);
    });
    return {
      evalBlocked,
      simd: await outcome('simd'),
      auto: await outcome('auto'),
      wasm: await outcome('hnswlib-wasm'),
    };
  });
}

test("with 'wasm-unsafe-eval' but not 'unsafe-eval', SIMD runs and hnswlib-wasm fails with CSP_BLOCKED", async ({
  page,
}) => {
  await servePolicy(
    page,
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' ws:",
  );
  await openHarness(page, 'simd');
  const r = await tryEngines(page);
  expect(r.evalBlocked).toBe(true);
  expect(r.simd).toBe('ok simd');
  expect(r.auto).toBe('ok simd');
  expect(r.wasm).toMatch(/^CSP_BLOCKED: .*'unsafe-eval'/);
});

test("without 'wasm-unsafe-eval' no engine can run: open fails with CSP_BLOCKED naming the directive", async ({
  page,
}) => {
  await servePolicy(
    page,
    "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self' ws:",
  );
  await openHarness(page, 'simd');
  const r = await tryEngines(page);
  expect(r.evalBlocked).toBe(true);
  expect(r.simd).toMatch(/^CSP_BLOCKED: .*'wasm-unsafe-eval'/);
  expect(r.auto).toMatch(/^CSP_BLOCKED: .*'wasm-unsafe-eval'/);
  expect(r.wasm).toMatch(/^CSP_BLOCKED/);
});

/**
 * What the page does with a string put into innerHTML: one that really
 * enforces Trusted Types refuses it with a TypeError.
 */
function innerHtmlOutcome(page: Page) {
  return page.evaluate(() => {
    try {
      document.createElement('div').innerHTML = '<b>x</b>';
      return 'accepted';
    } catch (error) {
      return error instanceof TypeError
        ? 'refused'
        : `refused, but not with a TypeError: ${String(error)}`;
    }
  });
}

test('on a page that enforces Trusted Types, the worker starts through the "vicinity" policy', async ({
  page,
}) => {
  await servePolicy(
    page,
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; require-trusted-types-for 'script'; trusted-types vicinity",
  );
  await openHarness(page, 'simd');
  expect(await innerHtmlOutcome(page)).toBe('refused');
  const r = await tryEngines(page);
  expect(r.simd).toBe('ok simd');
  expect(r.auto).toBe('ok simd');
});

test('when the page allows no policy named "vicinity", open fails with CSP_BLOCKED naming the directive', async ({
  page,
}) => {
  await servePolicy(
    page,
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; require-trusted-types-for 'script'; trusted-types other",
  );
  await openHarness(page, 'simd');
  expect(await innerHtmlOutcome(page)).toBe('refused');
  const r = await tryEngines(page);
  expect(r.simd).toMatch(/^CSP_BLOCKED: .*trusted-types vicinity/);
  expect(r.auto).toMatch(/^CSP_BLOCKED: .*trusted-types vicinity/);
});
