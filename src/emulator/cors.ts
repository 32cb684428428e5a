/**
 * Cross-origin access as MODE answers it (BYOU guide): any origin, no credentials, `X-Xsrf-Guard`
 * exposed, and the paging header too, so a browser app developed against the emulator can read it.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import { RANGE_HEADER } from './paging';

const allowAnyOrigin = cors({
  origin: '*',
  methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
  exposedHeaders: ['X-Xsrf-Guard', RANGE_HEADER],
  maxAge: 86_400,
  optionsSuccessStatus: 204,
});

export function crossOrigin(): RequestHandler[] {
  return [
    (_req, res, next) => {
      res.setHeader('Access-Control-Allow-Credentials', 'false');
      next();
    },
    allowAnyOrigin,
  ];
}
