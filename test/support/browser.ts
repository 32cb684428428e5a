import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Pages are tested in a real headless Chromium (Debian's package, driven by playwright-core).
// Without it the browser tests say so: skipped with a warning on a developer's machine, failed
// under CI=true, so a CI machine that lost the browser cannot pass silently.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL_HINT = `Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`;

export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(INSTALL_HINT);
      });
    });
  }
  process.emitWarning(`${name}: skipped. ${INSTALL_HINT}`);
  describe.skip(name, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
