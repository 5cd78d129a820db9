import { defineConfig } from '@playwright/test';
import chromium from './chromium.config.json' with { type: 'json' };
import type { EngineName } from './test/browser/fixtures';

/** System Chromium from apt (chromium.config.json); set CHROMIUM_PATH to use another build. */
const executablePath = process.env.CHROMIUM_PATH ?? chromium.executablePath;
// VICINITY_TEST_PORT runs a second checkout's tests beside this one's.
const port = Number(process.env.VICINITY_TEST_PORT ?? 5199);

export default defineConfig<{ engine: EngineName }>({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/browser/globalSetup.ts',
  // One worker: the machine has two cores, and timing-sensitive checks
  // (long tasks) must not compete with a second browser.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath,
      args: chromium.args,
    },
  },
  // The whole suite runs against both engines; the demo uses the default.
  projects: [
    { name: 'simd', use: { engine: 'simd' }, testIgnore: ['**/lane.spec.ts'] },
    {
      name: 'hnswlib-wasm',
      use: { engine: 'hnswlib-wasm' },
      testIgnore: [
        '**/lane.spec.ts',
        '**/demo.spec.ts',
        '**/engines.spec.ts',
        '**/csp.spec.ts',
        '**/simd-engine.spec.ts',
        '**/consumer.spec.ts',
        '**/dashboard.spec.ts',
        '**/optimizer.spec.ts',
        // The page does the same work whichever engine runs in the worker:
        // its long tasks, its query cache, its monitor, its input checks.
        '**/longtask.spec.ts',
        '**/cache.spec.ts',
        '**/cacheIntegrity.spec.ts',
        '**/monitor.spec.ts',
        '**/inputLimits.spec.ts',
      ],
    },
    // Cross-origin isolated pages (see vite.config.ts): searches go through the
    // shared lane. Besides its own tests, those of deadlines, crashes and
    // replicas run here again, with the lane in the path.
    {
      name: 'coi',
      use: {
        engine: 'simd',
        storageState: {
          cookies: [
            {
              name: 'vicinity-coi',
              value: '1',
              domain: 'localhost',
              path: '/',
              expires: -1,
              httpOnly: false,
              secure: false,
              sameSite: 'Lax',
            },
          ],
          origins: [],
        },
      },
      testMatch: ['**/lane.spec.ts', '**/supervision.spec.ts', '**/pool.spec.ts'],
    },
  ],
  webServer: {
    command: `npx vite --port ${port} --strictPort`,
    url: `http://localhost:${port}/test/browser/harness.html`,
    // A server already on the port may be another checkout's: tests would run
    // its code, silently. Playwright fails when the port is taken, unless
    // VICINITY_REUSE_SERVER=1 says that server is this checkout's.
    reuseExistingServer: process.env.VICINITY_REUSE_SERVER === '1',
    timeout: 60_000,
  },
});
