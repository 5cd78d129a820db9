import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { build } from 'vite';
import { expect, test } from './fixtures';

/*
 * The built package (dist/, made by `npm run build` before the browser tests)
 * inside someone else's Vite build: the worker and the SIMD engine's .wasm
 * must be found and emitted with no configuration on the consumer's side.
 */
const root = resolve('test/consumer');
const outDir = resolve('test-results/consumer-dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

let server: Server;
let origin = '';
/** A Content-Security-Policy header for every response, when a test sets one. */
let policy: string | undefined;

test.beforeAll(async () => {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    resolve: {
      alias: [
        { find: /^vicinity$/, replacement: resolve('dist/index.js') },
        { find: /^vicinity\/dashboard$/, replacement: resolve('dist/dashboard.js') },
      ],
    },
    build: { outDir, emptyOutDir: true, target: 'es2022' },
    worker: { format: 'es' },
  });
  server = createServer(async (req, res) => {
    const path = join(
      outDir,
      new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '/index.html'),
    );
    try {
      const body = await readFile(path);
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        ...(policy ? { 'content-security-policy': policy } : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(() => new Promise<void>((done) => server.close(() => done())));

test("a consumer's Vite build of the package runs the worker and the SIMD engine", async ({
  page,
}) => {
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await page.goto(`${origin}/`);
  await expect(page.locator('#result')).toHaveText('x simd | vicinity · consumer grid chart');
  expect(requested.some((path) => path.endsWith('.wasm'))).toBe(true);
  expect(requested.some((path) => /worker.*\.js$/.test(path))).toBe(true);
});

test('the same build runs on a page that enforces Trusted Types and the strict CSP README gives', async ({
  page,
}) => {
  policy =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; require-trusted-types-for 'script'; trusted-types vicinity";
  try {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text()))
        violations.push(message.text());
    });
    await page.goto(`${origin}/`);
    await expect(page.locator('#result')).toHaveText('x simd | vicinity · consumer grid chart');
    expect(
      await page.evaluate(() => {
        try {
          document.body.insertAdjacentHTML('beforeend', '<b>x</b>');
          return 'accepted';
        } catch (error) {
          return (error as Error).name;
        }
      }),
    ).toBe('TypeError');
    expect(violations).toEqual([]);
  } finally {
    policy = undefined;
  }
});
