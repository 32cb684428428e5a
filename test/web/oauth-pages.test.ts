import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { registerAccount, type Account } from '../fixtures/accounts';
import { createApp, openid, relyingParty, type CreatedApp } from '../fixtures/oauth-apps';
import { ADMIN_EMAIL, registerAdmin } from '../fixtures/service-clients';
import { describeInBrowser, launchBrowser } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

// The sign-in and consent pages of account linking, used as a person does in Chromium (with
// JavaScript off: the pages must not need it), ending on the third party's own site.

let app: TestApp;
let admin: Account;
let thirdPartySite: Server;
let callback: string;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  admin = await registerAdmin(app.http);
  // The third party's redirect_uri, on another origin than the bridge.
  thirdPartySite = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><html lang="en"><title>Back at the app</title><h1>Back at the app</h1><p>${req.url}</p></html>`);
  });
  await new Promise<void>((resolve) => thirdPartySite.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${(thirdPartySite.address() as AddressInfo).port}/link/callback`;
});

afterAll(async () => {
  thirdPartySite.closeAllConnections();
  await new Promise((resolve) => thirdPartySite.close(resolve));
  await app.close();
});

async function authorizationUrl(thirdParty: CreatedApp, scope: string, state: string): Promise<string> {
  const client = await openid();
  return client.buildAuthorizationUrl(await relyingParty(app.url, thirdParty), { redirect_uri: callback, scope, state, response_type: 'code' }).href;
}

describe('the interaction pages over HTTP', () => {
  test("when a sign-in page is served, then its form-action allows the app's redirect origin, and the rest of the app keeps 'self'", async () => {
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [callback] });
    let response = await fetch(await authorizationUrl(thirdParty, 'homes:read', 'csp'), { redirect: 'manual' });
    const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    response = await fetch(new URL(response.headers.get('location')!, app.url), { headers: { cookie: cookies } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain(`form-action 'self' ${new URL(callback).origin}`);
    const elsewhere = await fetch(`${app.url}/healthz`);
    expect(elsewhere.headers.get('content-security-policy')).toMatch(/form-action 'self'(;|$)/);
  });
});

describeInBrowser('linking an app in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ javaScriptEnabled: false });
  });
  afterEach(async () => {
    await context.close();
  });

  test('when a user signs in with the keyboard and allows, then they land on the app with a code, and the consent named the app and its scopes in words', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { name: 'Kitchen Speaker', scopes: ['homes:read', 'devices:command'], redirectUris: [callback] });
    const page = await context.newPage();
    await page.goto(await authorizationUrl(thirdParty, 'homes:read devices:command', 'state-1'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to link Kitchen Speaker');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('E-mail').focus();
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    // The sign-in page is under /oauth/interaction/ too: wait for the consent page itself.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Allow Kitchen Speaker to use your account?' }).waitFor();
    const scopes = page.getByRole('list', { name: 'What Kitchen Speaker will be able to do' }).getByRole('listitem');
    expect(await scopes.allTextContents()).toEqual(['See your homes and who is in them', 'Send commands to your devices, such as switching them on or off']);
    await expect(page.getByText(user.email).count()).resolves.toBe(1);
    await Promise.all([page.waitForURL(`${callback}?**`), page.getByRole('button', { name: 'Allow' }).click()]);

    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(callback);
    expect(landed.searchParams.get('code')).toEqual(expect.any(String));
    expect(landed.searchParams.get('state')).toBe('state-1');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Back at the app');
  });

  test('when the password is wrong, then the page says so next to the fields and nothing is linked', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['homes:read'], redirectUris: [callback] });
    const page = await context.newPage();
    await page.goto(await authorizationUrl(thirdParty, 'homes:read', 'state-2'));
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill('not the password at all');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(answer.status()).toBe(401);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('The e-mail or password is wrong');
    expect(await page.getByLabel('Password').getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
    expect(await page.getByLabel('E-mail').inputValue()).toBe(user.email);
    expect(page.url()).toContain('/oauth/interaction/');
  });

  test('when the user denies on the consent page, then the app is told access_denied', async () => {
    const user = await registerAccount(app.http);
    const thirdParty = await createApp(app.http, admin, { scopes: ['events:read'], redirectUris: [callback] });
    const page = await context.newPage();
    await page.goto(await authorizationUrl(thirdParty, 'events:read', 'state-3'));
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /^Allow / }).waitFor();
    await Promise.all([page.waitForURL(`${callback}?**`), page.getByRole('button', { name: 'Deny' }).click()]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('code')).toBeNull();
  });
});
