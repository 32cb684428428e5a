import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { RateLimitedError } from '../lib/errors';

/** Makes the store a limiter counts in: in-process by default, Redis when instances share. */
export type RateLimitStoreFactory = (prefix: string) => Store | undefined;

export const memoryStores: RateLimitStoreFactory = () => undefined;

export interface LimiterOptions {
  name: string;
  windowMs: number;
  /** Requests allowed per window; 0 turns the limiter off. */
  limit: number;
  key: (req: Request) => string;
  /** Count only failed requests (status >= 400), as for login attempts per account. */
  skipSuccessfulRequests?: boolean;
  stores: RateLimitStoreFactory;
}

export function limiter(options: LimiterOptions): RequestHandler {
  if (options.limit <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: options.skipSuccessfulRequests ?? false,
    keyGenerator: options.key,
    store: options.stores(`rl:${options.name}:`),
    // Stores do not fail open: the Redis one falls back to in-process counters (fallback-store.ts).
    passOnStoreError: false,
    handler: (_req, _res, next) => next(new RateLimitedError()),
  });
}

export function clientIp(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
