import type { RequestHandler } from 'express';
import type { ApiRouter } from '../../http/route';
import { clientIp, limiter, type RateLimitStoreFactory } from '../../http/rate-limit';
import { AuthResult, LoginBody, RefreshBody, RegisterBody, SessionResult } from './auth.schemas';
import type { AuthService } from './auth.service';
import { createLocalAuthenticator } from './local-strategy';

export interface AuthRouteLimits {
  perIpPerMinute: number;
  failuresPerAccountPer15Min: number;
  stores: RateLimitStoreFactory;
}

const MINUTE = 60_000;
const emailKey = (req: { body?: { email?: unknown } }) => String(req.body?.email ?? '').trim().toLowerCase();

export interface LoginLimiters {
  perIp: RequestHandler;
  /** Counts failed sign-ins per e-mail (`req.body.email`): the account lockout. */
  perAccount: RequestHandler;
}

const loginLimitersByLimits = new WeakMap<AuthRouteLimits, LoginLimiters>();

/**
 * The rate limits of a password sign-in, one pair per limits object, so that every place a user
 * signs in with a password (the API login, the OAuth sign-in page) counts into the same
 * windows, in memory as in Redis.
 */
export function loginLimiters(limits: AuthRouteLimits): LoginLimiters {
  let limiters = loginLimitersByLimits.get(limits);
  if (!limiters) {
    limiters = {
      perIp: limiter({ name: 'login', windowMs: MINUTE, limit: limits.perIpPerMinute, key: clientIp, stores: limits.stores }),
      perAccount: limiter({ name: 'login-account', windowMs: 15 * MINUTE, limit: limits.failuresPerAccountPer15Min, key: emailKey, skipSuccessfulRequests: true, stores: limits.stores }),
    };
    loginLimitersByLimits.set(limits, limiters);
  }
  return limiters;
}

export function registerAuthRoutes(api: ApiRouter, auth: AuthService, limits: AuthRouteLimits): void {
  const perIp = (name: string) => limiter({ name, windowMs: MINUTE, limit: limits.perIpPerMinute, key: clientIp, stores: limits.stores });
  const login = loginLimiters(limits);
  const authenticateLocal = createLocalAuthenticator(auth);
  const tags = ['accounts'];

  api.route(
    { method: 'post', path: '/v1/auth/register', summary: 'Create an account', tags, access: 'public', before: [perIp('register')], body: RegisterBody, responses: { 201: { description: 'Account created and signed in', schema: AuthResult }, 409: { description: 'The email is taken' } } },
    async ({ body }, req, res) => void res.status(201).json(await auth.register(body, { ip: req.ip })),
  );

  api.route(
    { method: 'post', path: '/v1/auth/login', summary: 'Sign in with email and password', tags, access: 'public', before: [login.perIp, login.perAccount], body: LoginBody, responses: { 200: { description: 'Signed in', schema: AuthResult } } },
    async ({ body }, req, res, ) => {
      req.body = body;
      const user = await authenticateLocal(req, res, () => undefined);
      res.json(await auth.login(user, { ip: req.ip }));
    },
  );

  api.route(
    { method: 'post', path: '/v1/auth/refresh', summary: 'Exchange a refresh token for a new token pair', tags, access: 'public', before: [perIp('refresh')], body: RefreshBody, responses: { 200: { description: 'New tokens; the old refresh token stops working', schema: SessionResult } } },
    async ({ body }, req, res) => void res.json(await auth.refresh(body.refreshToken, { ip: req.ip })),
  );

  api.route(
    { method: 'post', path: '/v1/auth/logout', summary: 'End the session of a refresh token', tags, access: 'public', before: [perIp('logout')], body: RefreshBody, responses: { 204: { description: 'Signed out' } } },
    async ({ body }, req, res) => {
      await auth.logout(body.refreshToken, { ip: req.ip });
      res.status(204).end();
    },
  );
}
