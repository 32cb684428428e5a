import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { CSP_DIRECTIVES } from '../web/csp';

// helmet's response headers with the app's Content-Security-Policy: as middleware for the Express
// app, and as the fixed list it sets, for answers written without Express (the Event Webhook).

export interface SecurityHeaders {
  middleware: RequestHandler;
  /** What the middleware sets on every answer, lower-cased names. */
  headers: Readonly<Record<string, string>>;
}

export function securityHeaders(): SecurityHeaders {
  const middleware = helmet({ contentSecurityPolicy: { directives: CSP_DIRECTIVES } });
  return { middleware, headers: headersSetBy(middleware) };
}

/** The headers a middleware sets when it runs once (helmet's do not depend on the request). */
function headersSetBy(middleware: RequestHandler): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let ran = false;
  middleware({ headers: {}, method: 'GET', url: '/' } as never, response as never, (error?: unknown) => {
    if (error) throw error;
    ran = true;
  });
  if (!ran) throw new Error('the security headers middleware did not finish synchronously');
  return headers;
}

