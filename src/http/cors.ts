import cors from 'cors';
import type { RequestHandler } from 'express';

// CORS for browser apps on other origins (CORS_ORIGINS), through the `cors` package. Only the
// listed origins get CORS headers, preflights included; any other origin gets none, so the
// browser keeps the answer from it. Without CORS_ORIGINS no middleware is installed at all.

export type CorsOrigins = '*' | string[];

/** What the API's routes use: their methods, and the request headers an app sends. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const REQUEST_HEADERS = ['Authorization', 'Content-Type', 'X-On-Behalf-Of', 'Last-Event-ID', 'X-Request-Id'];
/** Answer headers an app acts on: where a created thing is, and when to retry after 429. */
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy'];
/** How long a browser may reuse a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function corsMiddleware(origins: CorsOrigins): RequestHandler {
  const allowed = origins === '*' ? undefined : new Set(origins);
  const handler = cors({
    // Reflects an allowed origin; for any other the package adds no header at all and passes on.
    origin: allowed ? (origin, done) => done(null, origin !== undefined && allowed.has(origin) ? origin : false) : '*',
    methods: METHODS,
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    credentials: false,
  });
  if (!allowed) return handler;
  return (req, res, next) => {
    // The answer differs by Origin, for other origins too: shared caches must keep them apart.
    res.vary('Origin');
    handler(req, res, next);
  };
}
