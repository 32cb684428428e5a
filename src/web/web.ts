import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import { join } from 'node:path';
import { toAppError } from '../http/error-mapping';
import { createCsrf, type Csrf } from './csrf';
import { renderPage, WEB_DIR } from './views';

// What every HTML page needs: cookies, form bodies, CSRF and the one stylesheet. Capabilities
// declare their pages with `web.get` / `web.post`; the shared middleware runs only for those
// routes (API requests never pay for it), and every form post is CSRF-checked.

export interface WebOptions {
  /** Signs CSRF tokens (derived from it, never used directly). */
  secret: string;
  /** The bridge's external base URL; HTTPS there makes every page cookie `Secure`. */
  publicUrl: string;
}

export interface Web {
  /** Mount on the app before the API routes. */
  router: Router;
  /** A page shown with GET. */
  get(path: string, ...handlers: RequestHandler[]): void;
  /** A form post: its CSRF token is checked before `handlers` run. */
  post(path: string, ...handlers: RequestHandler[]): void;
  /** Mount after `router`: a failed page answers an HTML page, not the API's JSON error. */
  errors: ErrorRequestHandler;
  csrf: Csrf;
}

export function createWeb(options: WebOptions): Web {
  const csrf = createCsrf({ secret: options.secret, secureCookies: options.publicUrl.startsWith('https://') });
  const router = Router();
  router.use('/assets', express.static(join(WEB_DIR, 'assets'), { index: false, maxAge: '1h' }));
  const markPage: RequestHandler = (_req, res, next) => {
    res.locals.page = true;
    next();
  };
  const common = [markPage, cookieParser(), express.urlencoded({ extended: false, limit: '10kb' }), csrf.identify];
  return {
    router,
    get: (path, ...handlers) => void router.get(path, ...common, ...handlers),
    post: (path, ...handlers) => void router.post(path, ...common, csrf.protect, ...handlers),
    errors: pageErrors,
    csrf,
  };
}

const pageErrors: ErrorRequestHandler = (error, _req, res, next) => {
  if (!res.locals.page || res.headersSent) return next(error);
  const known = toAppError(error);
  if (!known || known.status >= 500) return next(error);
  renderPage(res, 'message', { title: 'Something is not right', message: known.message }, known.status);
};
