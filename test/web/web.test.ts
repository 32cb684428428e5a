import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser } from 'playwright-core';
import { errorHandler } from '../../src/http/error-handler';
import { createLogger } from '../../src/lib/logger';
import { CSRF_FIELD } from '../../src/web/csrf';
import { renderPage } from '../../src/web/views';
import { createWeb } from '../../src/web/web';
import { describeInBrowser, launchBrowser } from '../support/browser';

// The pieces every page is built from: layout and escaping, the stylesheet, CSRF on form
// posts, HTML error pages. A page of this test's own stands in for the real ones.

function pageApp() {
  const app = express();
  const web = createWeb({ secret: 'a-server-secret-for-this-test-only-0123456789', publicUrl: 'http://127.0.0.1', logger: createLogger('silent') });
  web.get('/broken', () => {
    throw new Error('an internal detail no visitor should see');
  });
  // What node-postgres throws when the database went away under a query.
  web.get('/database-gone', () => {
    throw new Error('Connection terminated unexpectedly');
  });
  web.get('/try', (req, res) => {
    const token = web.csrf.tokenFor(req, res);
    res.type('html').send(`<!doctype html><html lang="en"><title>Try</title><form method="post" action="/try">
      <input type="hidden" name="${CSRF_FIELD}" value="${token}"><label for="name">Name</label><input id="name" name="name">
      <button type="submit">Send</button></form></html>`);
  });
  web.post('/try', (req, res) => {
    renderPage(res, 'message', { title: 'Received', message: `Hello ${String(req.body.name)}` });
  });
  app.use(web.router);
  app.use(web.errors);
  app.use(errorHandler(createLogger('silent')));
  return app;
}

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer(pageApp());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('web pages over HTTP', () => {
  it('when a form is posted without its CSRF token, then it is refused with an HTML page and nothing is done', async () => {
    const response = await fetch(`${url}/try`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('did not come from this site');
    expect(html).not.toContain('Hello');
  });

  it('when a page fails on our side, then the answer is a 500 HTML page that says so without the error itself', async () => {
    const response = await fetch(`${url}/broken`);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Something went wrong on our side');
    expect(html).not.toContain('internal detail');
  });

  it('when the database is unreachable, then the page is a 503 with Retry-After', async () => {
    const response = await fetch(`${url}/database-gone`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('The database is unavailable, try again later');
  });

  it('when the stylesheet is asked for, then it is served; an unknown asset is 404', async () => {
    const css = await fetch(`${url}/assets/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${url}/assets/nothing.css`)).status).toBe(404);
  });
});

describeInBrowser('web pages in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('when a user fills the form and sends it, then the answer page shows their input escaped and is not cached', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/try`);
    await page.getByLabel('Name').fill('<b>Ada</b>');
    const [answer] = await Promise.all([page.waitForResponse(`${url}/try`), page.getByRole('button', { name: 'Send' }).click()]);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['cache-control']).toBe('no-store');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Received');
    await expect(page.getByRole('status').textContent()).resolves.toBe('Hello <b>Ada</b>');
    expect(await page.locator('main b').count()).toBe(0);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.close();
  });

  it('when the database is unreachable, then the visitor sees a page asking to try again later', async () => {
    const page = await browser.newPage();
    const answer = await page.goto(`${url}/database-gone`);
    expect(answer?.status()).toBe(503);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Please try again later');
    await expect(page.getByRole('status').textContent()).resolves.toBe('The database is unavailable, try again later');
    await page.close();
  });

  it('when the CSRF cookie belongs to another browser, then the post is refused', async () => {
    const first = await browser.newContext();
    const second = await browser.newContext();
    const page = await first.newPage();
    await page.goto(`${url}/try`);
    const token = await page.locator(`input[name="${CSRF_FIELD}"]`).inputValue();
    const other = await second.newPage();
    await other.goto(`${url}/try`);
    await other.locator(`input[name="${CSRF_FIELD}"]`).evaluate((input, value) => void ((input as unknown as { value: string }).value = value), token);
    const [answer] = await Promise.all([other.waitForResponse(`${url}/try`), other.getByRole('button', { name: 'Send' }).click()]);
    expect(answer.status()).toBe(403);
    await first.close();
    await second.close();
  });
});
