import type { Request, RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../../lib/logger';
import type { AuditRecord, AuditRepository } from '../audit/audit.repository';
import { INTERACTION_PATH } from './provider';

// Hands the authorization server's own requests to oidc-provider (a Koa app) before Express
// parses any body, and writes what it does (tokens issued, refreshes, revocations, grants
// revoked on reuse) to the audit log.

const DISCOVERY = '/.well-known/openid-configuration';
const RFC8414_METADATA = '/.well-known/oauth-authorization-server';

const isProviderPath = (path: string): boolean =>
  path === DISCOVERY || (path.startsWith('/oauth/') && !path.startsWith(`${INTERACTION_PATH}/`));

/**
 * oidc-provider (trusting proxy headers) builds its endpoint URLs and cookie flags from these:
 * they are set to the issuer's, whatever Host the request came with, and the client address to
 * the one Express worked out under TRUST_PROXY. For every request handed to the library.
 */
export function asIssuer(issuer: string): (req: Request) => void {
  const { host, protocol } = new URL(issuer);
  return (req) => {
    req.headers['x-forwarded-host'] = host;
    req.headers['x-forwarded-proto'] = protocol.replace(':', '');
    req.headers['x-forwarded-for'] = req.ip ?? '';
  };
}

export function authorizationServerMiddleware(provider: () => Promise<Provider>, issuer: string): RequestHandler {
  let handle: ReturnType<Provider['callback']> | undefined;
  const pin = asIssuer(issuer);
  return (req, res, next) => {
    if (req.path === RFC8414_METADATA) {
      // RFC 8414 metadata is the same document as OpenID discovery's, for the same issuer.
      req.url = `${DISCOVERY}${req.url.slice(req.path.length)}`;
    } else if (!isProviderPath(req.path)) {
      return next();
    }
    pin(req);
    provider()
      .then((ready) => {
        handle ??= ready.callback();
        return handle(req, res);
      })
      .catch(next);
  };
}

export function auditProviderEvents(provider: Provider, audit: AuditRepository, logger: Logger): void {
  const record = (entry: AuditRecord) =>
    void audit.record(entry).catch((error: unknown) => logger.error({ err: error, action: entry.action }, 'could not write the audit entry of an OAuth event'));
  const who = (ctx: KoaContextWithOIDC) => {
    const { AuthorizationCode: code, RefreshToken: refresh } = ctx.oidc.entities;
    const accountId = code?.accountId ?? refresh?.accountId ?? null;
    return { actorType: 'service' as const, actorId: ctx.oidc.client?.clientId ?? null, onBehalfOf: accountId ?? undefined, targetType: 'oauth_app', targetId: ctx.oidc.client?.clientId ?? null, ip: ctx.ip };
  };
  const actionOf = (ctx: KoaContextWithOIDC) => (ctx.oidc.params?.grant_type === 'refresh_token' ? 'oauth_app.refresh' : 'oauth_app.token');

  provider.on('grant.success', (ctx) => {
    const body = ctx.body as { scope?: string } | undefined;
    record({ ...who(ctx), action: actionOf(ctx), result: 'success', details: { grantType: ctx.oidc.params?.grant_type, scope: body?.scope ?? null } });
  });
  provider.on('grant.error', (ctx, error) => {
    record({ ...who(ctx), action: actionOf(ctx), result: 'failure', details: { grantType: ctx.oidc.params?.grant_type ?? null, error: error.error, reason: error.error_detail ?? error.error_description ?? null } });
  });
  // A reused code or rotated refresh token, or a revoked token: the whole grant is gone.
  provider.on('grant.revoked', (ctx, grantId) => {
    record({ ...who(ctx), action: 'oauth_app.grant_revoked', result: 'success', details: { grantId, on: ctx.oidc.route } });
  });
  // oidc-provider emits no event for a successful revocation: its answer is looked at instead.
  provider.use(async (koa, next) => {
    await next();
    const ctx = koa as KoaContextWithOIDC;
    if (ctx.oidc?.route !== 'revocation' || ctx.status !== 200) return;
    const token = ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.AccessToken;
    // RFC 7009: an unknown token is answered 200 as well; only real revocations are recorded.
    if (token) record({ ...who(ctx), onBehalfOf: token.accountId ?? undefined, action: 'oauth_app.revoke', result: 'success', details: { tokenType: token.kind } });
  });
  provider.on('revocation.error', (ctx, error) => {
    record({ ...who(ctx), action: 'oauth_app.revoke', result: 'failure', details: { error: error.error } });
  });
}
