import { chromium, type Browser } from 'playwright-core';
import { chromiumPath, describeNeeding, needs } from './requirements';

// Pages are tested in a real headless Chromium (Debian's package, driven by playwright-core).

export function describeInBrowser(name: string, body: () => void): void {
  describeNeeding([needs.chromium], name, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
