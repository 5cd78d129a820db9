import { execFileSync } from 'node:child_process';

/** The demo's assets are generated, not committed: prepare them (a no-op when up to date). */
export default function globalSetup(): void {
  execFileSync(process.execPath, ['demo/prepare.mjs'], { stdio: 'inherit' });
}
