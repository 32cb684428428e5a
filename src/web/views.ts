import { join } from 'node:path';
import type { Response } from 'express';
import { Eta } from 'eta';

// Server-rendered pages (sign-in, consent, password reset, e-mail verification): Eta templates
// under views/, escaped by default (`<%= %>`), each wrapped in layout.eta. The build copies the
// templates and assets next to the compiled code (scripts/copy-web-assets.ts).

export const WEB_DIR = __dirname;

const eta = new Eta({ views: join(WEB_DIR, 'views'), autoEscape: true, cache: process.env.NODE_ENV !== 'development' });

export interface PageData {
  /** The page's <title> and main heading. */
  title: string;
  [key: string]: unknown;
}

/** `views/<view>.eta` as the HTML text of a full page (for responses not sent through Express). */
export function renderView(view: string, data: PageData): string {
  return eta.render(view, data);
}

/** Renders `views/<view>.eta` as a full HTML page; pages are never cached (they carry CSRF tokens). */
export function renderPage(res: Response, view: string, data: PageData, status = 200): void {
  const html = renderView(view, data);
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}
