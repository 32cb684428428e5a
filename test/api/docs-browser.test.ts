import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/test-app';

// /docs opened in a real browser over plain HTTP on a host name other than localhost (as behind
// a proxy that terminates TLS elsewhere, or directly on a LAN): the page must render. With
// helmet's upgrade-insecure-requests its scripts were fetched over https:// and it stayed blank.

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

test('when /docs is opened over plain HTTP on a non-local host name, then Swagger UI renders the operations', async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`this test needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const port = new URL(app.url).port;
  const profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
  try {
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--host-resolver-rules=MAP bridge.internal 127.0.0.1',
        '--virtual-time-budget=15000',
        '--dump-dom',
        `http://bridge.internal:${port}/docs/`,
      ],
      { timeout: 60_000, maxBuffer: 20 * 1024 * 1024 },
    );
    expect(stdout).toContain('swagger-ui');
    // Operations are drawn by the page's scripts: they ran.
    expect(stdout).toMatch(/opblock/);
    expect(stdout).toContain('/v1/auth/register');
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}, 90_000);
