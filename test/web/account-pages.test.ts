import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, registerAccount } from '../fixtures/accounts';
import { linkTokenSentTo, mailsTo } from '../fixtures/mail';
import { startTestApp, type TestApp } from '../support/test-app';
import { describeInBrowser, launchBrowser } from '../support/browser';

// The pages behind the default links of reset and verification e-mails, driven as a user would:
// by label and role, in headless Chromium, with and without JavaScript.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** The e-mailed link, pointed at this test's server (the default PUBLIC_URL names port 3000). */
async function emailedLink(email: string, kind: string): Promise<{ url: string; token: string }> {
  const mail = (await mailsTo(app, email)).filter((candidate) => candidate.kind === kind).pop()!;
  const link = new URL(/https?:\/\/\S+/.exec(mail.text)![0]);
  expect(link.origin).toBe(app.config.publicUrl);
  return { url: `${app.url}${link.pathname}${link.search}`, token: await linkTokenSentTo(app, email, kind) };
}

describe('account pages over HTTP', () => {
  test('when the reset form is posted without its CSRF token, then 403 and the link still works', async () => {
    const account = await registerAccount(app.http);
    await app.http.post('/v1/auth/password/forgot').send({ email: account.email });
    const { token } = await emailedLink(account.email, 'password_reset');
    const res = await fetch(`${app.url}/account/reset-password`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, password: 'a brand new passphrase' }) });
    expect(res.status).toBe(403);
    expect(await app.services.account.passwordReset.isUsable(token)).toBe(true);
  });

  test('when a page is opened without a token or with a bad one, then 400 says the link is not valid', async () => {
    for (const path of ['/account/reset-password', '/account/reset-password?token=nope', '/account/verify-email?token=nope']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This link is not valid');
    }
  });
});

describeInBrowser('account pages in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser.close());

  /** A page that records every request it makes, to prove none leaves the bridge. */
  async function openPage(context: BrowserContext): Promise<{ page: Page; requested: string[] }> {
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    return { page, requested };
  }

  for (const javaScriptEnabled of [true, false]) {
    test(`when the reset link is followed (JavaScript ${javaScriptEnabled ? 'on' : 'off'}), then a weak password is refused on its field and a good one is set`, async () => {
      const account = await registerAccount(app.http);
      const other = (await app.http.post('/v1/auth/login').send({ email: account.email, password: GOOD_PASSWORD })).body;
      await app.http.post('/v1/auth/password/forgot').send({ email: account.email });
      const { url, token } = await emailedLink(account.email, 'password_reset');
      const context = await browser.newContext({ javaScriptEnabled });
      const { page, requested } = await openPage(context);

      const opened = await page.goto(url);
      expect(opened!.status()).toBe(200);
      expect(opened!.headers()['cache-control']).toBe('no-store');
      expect(opened!.headers()['referrer-policy']).toBe('no-referrer');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Choose a new password');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      // The token left the URL for a hidden field: the form posts to a path without it.
      expect(await page.locator('form').getAttribute('action')).toBe('/account/reset-password');
      expect(await page.locator('input[name="token"]').inputValue()).toBe(token);

      await page.getByLabel('New password').fill('short');
      const [refused] = await Promise.all([page.waitForResponse(`${app.url}/account/reset-password`), page.getByRole('button', { name: 'Set the new password' }).click()]);
      expect(refused.status()).toBe(400);
      const field = page.getByLabel('New password');
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await field.getAttribute('aria-describedby')).toContain('password-error');
      await expect(page.locator('#password-error').textContent()).resolves.toContain('at least 10 characters');

      await page.getByLabel('New password').fill('a brand new passphrase');
      const [done] = await Promise.all([page.waitForResponse(`${app.url}/account/reset-password`), page.getByRole('button', { name: 'Set the new password' }).click()]);
      expect(done.status()).toBe(200);
      expect(done.headers()['cache-control']).toBe('no-store');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your password is changed');

      expect((await app.http.post('/v1/auth/login').send({ email: account.email, password: 'a brand new passphrase' })).status).toBe(200);
      expect((await app.http.post('/v1/auth/refresh').send({ refreshToken: other.refreshToken })).status).toBe(401);
      expect(requested.every((address) => address.startsWith(`${app.url}/`))).toBe(true);

      // Opening the used link again says so.
      const reopened = await page.goto(url);
      expect(reopened!.status()).toBe(400);
      await expect(page.getByRole('status').textContent()).resolves.toContain('This link is not valid');
      await context.close();
    });
  }

  test('when the verification link is followed, then opening it changes nothing until the button is pressed; then the address is verified', async () => {
    const account = await registerAccount(app.http);
    const { url } = await emailedLink(account.email, 'email_verify');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const { page, requested } = await openPage(context);

    const opened = await page.goto(url);
    expect(opened!.status()).toBe(200);
    expect(opened!.headers()['cache-control']).toBe('no-store');
    expect((await app.database.db.prisma.user.findUniqueOrThrow({ where: { id: account.id } })).emailVerified).toBe(false);

    const [done] = await Promise.all([page.waitForResponse(`${app.url}/account/verify-email`), page.getByRole('button', { name: 'Confirm my e-mail address' }).click()]);
    expect(done.status()).toBe(200);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your e-mail address is confirmed');
    expect((await app.database.db.prisma.user.findUniqueOrThrow({ where: { id: account.id } })).emailVerified).toBe(true);
    expect(requested.every((address) => address.startsWith(`${app.url}/`))).toBe(true);
    await context.close();
  });
});
