import { createHmac, randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { ForbiddenError } from '../lib/errors';

// CSRF protection for the HTML forms: csrf-csrf's signed double-submit cookie, bound to a
// random per-browser identifier cookie (pages are used before anyone is signed in, so there is
// no session to bind to). Forms carry the token in a hidden `_csrf` field.

const BROWSER_COOKIE = 'mb_browser';
export const CSRF_FIELD = '_csrf';

export interface CsrfOptions {
  /** A server secret; the CSRF key is derived from it, so the secret itself is never used twice. */
  secret: string;
  /** Cookies are `Secure` when the bridge is reached over HTTPS. */
  secureCookies: boolean;
}

export interface Csrf {
  /** Gives the browser its identifier cookie (run before any page or form handler). */
  identify: RequestHandler;
  /** Checks the token of a form post; answers 403 `forbidden` when it is missing or wrong. */
  protect: RequestHandler;
  /** A token for the form being rendered (sets its cookie). */
  tokenFor(req: Request, res: Parameters<RequestHandler>[1]): string;
}

export function createCsrf(options: CsrfOptions): Csrf {
  const key = createHmac('sha256', options.secret).update('mode-bridge csrf').digest('hex');
  const cookieOptions = { sameSite: 'strict' as const, secure: options.secureCookies, path: '/', httpOnly: true };
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => key,
    getSessionIdentifier: (req) => String(req.cookies?.[BROWSER_COOKIE] ?? ''),
    cookieName: options.secureCookies ? '__Host-mb.csrf' : 'mb.csrf',
    cookieOptions,
    getCsrfTokenFromRequest: (req) => (typeof req.body?.[CSRF_FIELD] === 'string' ? req.body[CSRF_FIELD] : undefined),
  });
  const identify: RequestHandler = (req, res, next) => {
    if (!req.cookies?.[BROWSER_COOKIE]) {
      const id = randomBytes(16).toString('base64url');
      res.cookie(BROWSER_COOKIE, id, cookieOptions);
      req.cookies = { ...req.cookies, [BROWSER_COOKIE]: id };
    }
    next();
  };
  const protect: RequestHandler = (req, res, next) => {
    doubleCsrfProtection(req, res, (error?: unknown) => {
      next(error ? new ForbiddenError('This form has expired or did not come from this site; reload the page and try again') : undefined);
    });
  };
  return { identify, protect, tokenFor: (req, res) => generateCsrfToken(req, res) };
}
