import { createServer, type Server } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import offMainThread from '@surma/rollup-plugin-off-main-thread';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import { rollup, type Plugin } from 'rollup';
import { build } from 'vite';
import webpack from 'webpack';
import { expect, test } from './fixtures';

/*
 * The built package (dist/, made by `npm run build` before the browser tests)
 * inside someone else's app, built by Vite and by webpack 5, each with its
 * default configuration, and by Rollup with the plugins README names: the
 * workers and the SIMD engine's .wasm must be found and emitted with nothing
 * on the consumer's side that names vicinity. (The aliases stand in for
 * `npm install vicinity`.)
 */
const root = resolve('test/consumer');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};
/** In hnswlib-wasm's glue only (its embind start-up): fetched, it means the fallback engine was downloaded. */
const HNSWLIB_WASM_MARK = 'embind_init';
/** The budget for a first visit with the SIMD engine, the dashboard left out. */
const FIRST_VISIT_GZIP_BUDGET = 150_000;

interface Served {
  path: string;
  bytes: number;
  gzipBytes: number;
  hnswlibWasm: boolean;
}

/** A static server of one build, recording what it serves. */
interface App {
  origin: string;
  served: Served[];
  server: Server;
}

/** A Content-Security-Policy header for every response, when a test sets one. */
let policy: string | undefined;

async function serve(dir: string): Promise<App> {
  const served: Served[] = [];
  const server = createServer(async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const path = join(dir, pathname.replace(/\/$/, '/index.html'));
    try {
      const body = await readFile(path);
      served.push({
        path: pathname,
        bytes: body.byteLength,
        gzipBytes: gzipSync(body).byteLength,
        hnswlibWasm: body.includes(HNSWLIB_WASM_MARK),
      });
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
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, served, server };
}

/** Vite's defaults: no `worker` option, so workers are built in its default `iife` format. */
async function buildWithVite(outDir: string): Promise<void> {
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
  });
}

/** webpack 5's defaults in production mode: an entry, an output folder, nothing else. */
async function buildWithWebpack(outDir: string): Promise<void> {
  const stats = await new Promise<webpack.Stats>((done, fail) =>
    webpack({
      mode: 'production',
      context: root,
      entry: './main.js',
      output: { path: outDir, clean: true },
      resolve: {
        alias: {
          vicinity$: resolve('dist/index.js'),
          'vicinity/dashboard$': resolve('dist/dashboard.js'),
        },
      },
    }).run((error, result) => (error || !result ? fail(error) : done(result))),
  );
  if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
  await writeFile(
    join(outDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>vicinity as a dependency</title>' +
      '<p id="result">loading</p><script src="./main.js"></script>',
  );
}

/**
 * Rollup's own URL for an emitted file in `es` output. off-main-thread
 * answers this hook with a bare relative path for every file, which its
 * workers resolve against `import.meta.url` but an asset's
 * `new URL(path)` cannot; listed first, this hook answers instead.
 */
const rollupFileUrls: Plugin = {
  name: 'file-urls',
  resolveFileUrl: ({ relativePath }) =>
    `new URL(${JSON.stringify(relativePath)}, import.meta.url).href`,
};

/** Rollup with the README's plugins: packages, workers, and `new URL(…, import.meta.url)` assets. */
async function buildWithRollup(outDir: string): Promise<void> {
  const aliases: Record<string, string> = {
    vicinity: resolve('dist/index.js'),
    'vicinity/dashboard': resolve('dist/dashboard.js'),
  };
  const bundle = await rollup({
    input: join(root, 'main.js'),
    plugins: [
      rollupFileUrls,
      { name: 'vicinity-as-dependency', resolveId: (source) => aliases[source] ?? null },
      nodeResolve({ browser: true }),
      offMainThread({ silenceESMWorkerWarning: true }),
      importMetaAssets(),
    ],
  });
  await rm(outDir, { recursive: true, force: true });
  await bundle.write({ dir: outDir, format: 'es' });
  await bundle.close();
  await writeFile(
    join(outDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>vicinity as a dependency</title>' +
      '<p id="result">loading</p><script type="module" src="./main.js"></script>',
  );
}

const BUNDLERS = {
  vite: buildWithVite,
  webpack: buildWithWebpack,
  rollup: buildWithRollup,
} as const;
type Bundler = keyof typeof BUNDLERS;
const apps = {} as Record<Bundler, App>;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  for (const [bundler, run] of Object.entries(BUNDLERS) as [Bundler, typeof buildWithVite][]) {
    const outDir = resolve(`test-results/consumer-${bundler}`);
    await mkdir(outDir, { recursive: true });
    await run(outDir);
    apps[bundler] = await serve(outDir);
  }
});

test.afterAll(() =>
  Promise.all(
    Object.values(apps).map(
      ({ server }) => new Promise<void>((done) => server.close(() => done())),
    ),
  ),
);

for (const bundler of Object.keys(BUNDLERS) as Bundler[]) {
  test(`a consumer's ${bundler} build of the package runs the worker and the SIMD engine`, async ({
    page,
  }) => {
    const { origin, served } = apps[bundler];
    served.length = 0;
    await page.goto(`${origin}/`);
    await expect(page.locator('#result')).toHaveText('x simd | vicinity · consumer grid chart');
    expect(served.some(({ path }) => path.endsWith('.wasm'))).toBe(true);
    expect(served.some(({ hnswlibWasm }) => hnswlibWasm)).toBe(false);
  });

  test(`a first visit to the ${bundler} build fetches the SIMD engine alone, within ${FIRST_VISIT_GZIP_BUDGET / 1000} kB gzipped`, async ({
    page,
  }) => {
    const { origin, served } = apps[bundler];
    served.length = 0;
    await page.goto(`${origin}/?dashboard=off`);
    await expect(page.locator('#result')).toHaveText('x simd | no dashboard');
    const total = served.reduce((sum, { gzipBytes }) => sum + gzipBytes, 0);
    const listing = served.map((s) => `${s.path} ${s.bytes} B (${s.gzipBytes} B gzipped)`);
    test.info().annotations.push({
      type: 'first visit',
      description: `${total} B gzipped: ${listing.join(', ')}`,
    });
    expect(served.filter(({ hnswlibWasm }) => hnswlibWasm).map(({ path }) => path)).toEqual([]);
    expect(total, listing.join('\n')).toBeLessThanOrEqual(FIRST_VISIT_GZIP_BUDGET);
  });

  test(`the ${bundler} build also holds the fallback engine, fetched only when it runs`, async ({
    page,
  }) => {
    const { origin, served } = apps[bundler];
    served.length = 0;
    await page.goto(`${origin}/?dashboard=off&engine=hnswlib-wasm`);
    await expect(page.locator('#result')).toHaveText('x hnswlib-wasm | no dashboard');
    expect(served.some(({ hnswlibWasm }) => hnswlibWasm)).toBe(true);
    // Its worker does not carry the SIMD build either.
    expect(served.some(({ path }) => path.endsWith('.wasm'))).toBe(false);
  });
}

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
    await page.goto(`${apps.vite.origin}/`);
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
