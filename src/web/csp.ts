import type { Response } from 'express';
import helmet from 'helmet';

// The Content-Security-Policy of the whole app (helmet's defaults plus these directives), and a
// way for one page to widen `form-action`: Chromium applies `form-action` to every redirect
// after a form post, so a form whose answer redirects to another site (OAuth sign-in and
// consent, which end at the app's redirect_uri) must name that site.

export const CSP_DIRECTIVES = { 'script-src': ["'self'", "'unsafe-inline'"] };

/** Sets this response's policy to the app's, with `form-action` also allowing `origins` (scheme://host[:port]). */
export function allowFormRedirectsTo(res: Response, origins: string[]): void {
  const policy = helmet.contentSecurityPolicy({ directives: { ...CSP_DIRECTIVES, 'form-action': ["'self'", ...new Set(origins)] } });
  policy(res.req, res, () => undefined);
}
