import type { RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import type { PrismaClient } from '../../db/database';
import type { ResolvedConfig } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Web } from '../../web/web';
import type { AuditRepository } from '../audit/audit.repository';
import type { AuthRouteLimits } from '../auth/auth.router';
import type { AuthService } from '../auth/auth.service';
import type { UsersRepository } from '../users/users.repository';
import { AppPrincipals } from './app-principal';
import { asIssuer, auditProviderEvents, authorizationServerMiddleware } from './authorization-server';
import { registerInteractionPages } from './interactions.router';
import { OAuthAppsRepository } from './oauth-apps.repository';
import { OAuthAppsService } from './oauth-apps.service';
import { OAuthPayloadsRepository } from './oauth-payloads.repository';
import { createAdapterFactory } from './prisma-adapter';
import { createProvider } from './provider';

export { registerOAuthAppRoutes } from './oauth-apps.router';
export type { OAuthAppsService } from './oauth-apps.service';

export interface OAuthAppsDeps {
  prisma: PrismaClient;
  config: ResolvedConfig;
  logger: Logger;
  users: UsersRepository;
  auth: AuthService;
  audit: AuditRepository;
  limits: AuthRouteLimits;
}

export interface OAuthApps {
  service: OAuthAppsService;
  principals: AppPrincipals;
  /** The authorization server (loaded on first use: oidc-provider is an ES module). */
  provider(): Promise<Provider>;
  /** Mount before the body parsers: the authorization server's endpoints and metadata. */
  middleware: RequestHandler;
  registerPages(web: Web): void;
  /** Removes stored codes, tokens and sessions that have expired; how many. */
  purgeExpired(): Promise<number>;
}

export function buildOAuthApps(deps: OAuthAppsDeps): OAuthApps {
  const apps = new OAuthAppsRepository(deps.prisma);
  const payloads = new OAuthPayloadsRepository(deps.prisma);
  const { config } = deps;
  let loading: Promise<Provider> | undefined;
  const provider = (): Promise<Provider> => {
    loading ??= createProvider({
      issuer: config.publicUrl,
      jwks: config.oauth.jwks,
      cookieKeys: config.oauth.cookieKeys,
      secureCookies: config.publicUrl.startsWith('https://'),
      adapter: createAdapterFactory(payloads, apps),
      users: deps.users,
      payloads,
    }).then((created) => {
      auditProviderEvents(created, deps.audit, deps.logger);
      return created;
    });
    loading.catch(() => (loading = undefined));
    return loading;
  };
  return {
    service: new OAuthAppsService(apps, payloads, deps.audit, !config.production || config.publicUrlConfigured),
    principals: new AppPrincipals(provider, apps, deps.users),
    provider,
    middleware: authorizationServerMiddleware(provider, config.publicUrl),
    registerPages: (web) => registerInteractionPages(web, { provider, apps, users: deps.users, auth: deps.auth, audit: deps.audit, limits: deps.limits, asIssuer: asIssuer(config.publicUrl) }),
    purgeExpired: () => payloads.purgeExpired(new Date()),
  };
}
