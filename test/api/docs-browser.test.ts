import { chromium, type Browser } from 'playwright-core';
import { describeInBrowser } from '../support/browser';
import { chromiumPath } from '../support/requirements';
import { startTestApp, type TestApp } from '../support/test-app';

// /docs opened in a real browser over plain HTTP on a host name other than localhost (as behind
// a proxy that terminates TLS elsewhere, or directly on a LAN): the page must render. With
// helmet's upgrade-insecure-requests its scripts were fetched over https:// and it stayed blank.

describeInBrowser('the API docs page', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp();
    // A non-local host name for the bridge; Chromium treats localhost as secure and would hide the fault.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP bridge.internal 127.0.0.1'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('when /docs is opened over plain HTTP on a non-local host name, then Swagger UI shows the operations', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://bridge.internal:${new URL(app.url).port}/docs/`);
      // Operations are drawn by the page's scripts: they ran.
      await page.getByText('/v1/auth/register').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    } finally {
      await page.close();
    }
  }, 60_000);
});
