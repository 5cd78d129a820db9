// What bench/run.mjs and bench/scale.mjs share: the Vite dev server that
// serves bench/page.html, headless Chromium on a persistent profile, and the
// description of the machine and the packages a run reports.
import { chromium } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import chromiumConfig from '../chromium.config.json' with { type: 'json' };

export const root = fileURLToPath(new URL('..', import.meta.url));

export function packageVersion(name) {
  const file = name === 'vicinity' ? 'package.json' : `node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(join(root, file), 'utf8')).version;
}

export function machine(chromiumVersion) {
  const cpus = os.cpus();
  let system = `${os.type()} ${os.release()}`;
  try {
    const name = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (name) system = `${name[1]}, ${system}`;
  } catch {
    // Not Linux, or no os-release: the kernel name will do.
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    arch: os.arch(),
    memoryBytes: os.totalmem(),
    os: system,
    node: process.version,
    chromium: chromiumVersion,
  };
}

/**
 * The dev server on `port` and Chromium with one page at bench/page.html.
 * `onConsole(message)` sees every console message of the page; errors are
 * printed in any case. Returns the page, its URL, the Chromium version, and
 * `close()`, which stops both and removes the profile.
 */
export async function openBench({ port, onConsole = () => {} }) {
  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: join(root, 'node_modules/.vite-bench'),
    optimizeDeps: { entries: ['bench/page.html'], include: ['comlink', 'hnswlib-wasm'] },
    // Edits elsewhere in the repository must not reload the page mid-run.
    server: { port, strictPort: true, hmr: false, watch: null },
  });
  const profile = mkdtempSync(join(os.tmpdir(), 'vicinity-bench-chromium-'));
  let context;
  const close = async () => {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    await server.listen();
    // A persistent profile keeps IndexedDB on disk, as in a normal browser profile.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? chromiumConfig.executablePath,
      headless: true,
      args: chromiumConfig.args,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        console.error(`[page] ${message.text()} ${message.location().url}`);
      }
      onConsole(message);
    });
    // The user agent string hides the minor version numbers; the protocol does not.
    const cdp = await context.newCDPSession(page);
    const { product } = await cdp.send('Browser.getVersion');
    await cdp.detach();
    const chromiumVersion = /\/([\d.]+)$/.exec(product)?.[1] ?? product;
    return { page, url: `http://localhost:${port}/bench/page.html`, chromiumVersion, close };
  } catch (error) {
    await close();
    throw error;
  }
}
