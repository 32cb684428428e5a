import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import { join } from 'node:path';
import { resolveError, setErrorHeaders } from '../http/error-handler';
import type { Logger } from '../lib/logger';
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
  /** Where a failed page's error is logged, as the API's are. */
  logger: Logger;
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
    errors: pageErrors(options.logger),
    csrf,
  };
}

/** A failed page answers a page too, the API's status and message in it (a 5xx included). */
function pageErrors(logger: Logger): ErrorRequestHandler {
  const resolve = resolveError(logger);
  return (error, req, res, next) => {
    if (!res.locals.page || res.headersSent) return next(error);
    const appError = resolve(error, req);
    setErrorHeaders(res, appError);
    const title = appError.status >= 500 ? 'Please try again later' : 'Something is not right';
    renderPage(res, 'message', { title, message: appError.message }, appError.status);
  };
}
