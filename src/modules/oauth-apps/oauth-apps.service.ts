import { randomUUID } from 'node:crypto';
import { randomToken, sha256Hex } from '../../lib/crypto';
import { ConfigError } from '../../lib/config';
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { OAuthAppRecord, OAuthAppsRepository } from './oauth-apps.repository';
import type { OAuthPayloadsRepository } from './oauth-payloads.repository';
import { appScopesOf, type AppScope } from './oauth-scopes';

// Third-party apps: registered and deleted by admins, linked and unlinked by users. Deleting or
// unlinking removes every code, token and grant at once: access tokens are looked up on each
// call (app-principal.ts), so nothing issued before keeps working.

export interface Actor {
  userId: string;
  ip?: string;
}

export interface CreateOAuthAppInput {
  name: string;
  redirectUris: string[];
  scopes: AppScope[];
  /** false: a public client (no secret, PKCE with S256 required). Default: confidential. */
  confidential?: boolean;
}

export interface OAuthAppView {
  id: string;
  name: string;
  clientId: string;
  redirectUris: string[];
  scopes: string[];
  confidential: boolean;
  createdAt: string;
}

export interface LinkedApp {
  clientId: string;
  name: string;
  scopes: AppScope[];
  grantedAt: string;
}

const toView = (app: OAuthAppRecord): OAuthAppView => ({
  id: app.id,
  name: app.name,
  clientId: app.clientId,
  redirectUris: app.redirectUris,
  scopes: app.scopes,
  confidential: app.secretHash !== null,
  createdAt: app.createdAt.toISOString(),
});

/** The scopes a stored grant holds (oidc-provider keeps them as `openid.scope`). */
export function grantScopes(payload: Record<string, unknown>): AppScope[] {
  const openid = payload.openid as { scope?: unknown } | undefined;
  return appScopesOf(typeof openid?.scope === 'string' ? openid.scope : '');
}

/**
 * The issuer every app's tokens name is PUBLIC_URL. In production it must be the real external
 * address before the first app exists: apps (Alexa, Google) pin the issuer and endpoints they were
 * given, and a default `http://localhost` would be handed to them.
 */
export const PUBLIC_URL_FOR_APPS = 'PUBLIC_URL: required in production once an OAuth app exists (it is the issuer and the address of the authorization endpoints third-party apps are given)';

export class OAuthAppsService {
  constructor(
    private readonly apps: OAuthAppsRepository,
    private readonly payloads: OAuthPayloadsRepository,
    private readonly audit: AuditRepository,
    /** False in production without PUBLIC_URL: no app may be added. */
    private readonly issuerConfigured: boolean,
  ) {}

  /** Refuses a production start without PUBLIC_URL when apps already exist. */
  async checkIssuer(): Promise<void> {
    if (this.issuerConfigured) return;
    const apps = await this.apps.count();
    if (apps > 0) throw new ConfigError(`Production start refused, missing or weak:\n  ${PUBLIC_URL_FOR_APPS}; ${apps} app${apps === 1 ? '' : 's'} exist${apps === 1 ? 's' : ''}`);
  }

  async create(input: CreateOAuthAppInput, actor: Actor): Promise<OAuthAppView & { clientSecret: string | null }> {
    if (!this.issuerConfigured) throw new ConflictError(`Set PUBLIC_URL before adding an OAuth app (${PUBLIC_URL_FOR_APPS})`);
    const confidential = input.confidential ?? true;
    // 256 random bits: a fast hash is enough (no dictionary to try), and the token endpoint stays cheap.
    const clientSecret = confidential ? randomToken(32) : null;
    const app = await this.apps.create({
      id: randomUUID(),
      name: input.name,
      clientId: `app_${randomToken(12)}`,
      secretHash: clientSecret ? sha256Hex(clientSecret) : null,
      redirectUris: input.redirectUris,
      scopes: input.scopes,
      createdById: actor.userId,
    });
    await this.audit.record({ actorType: 'admin', actorId: actor.userId, action: 'oauth_app.create', targetType: 'oauth_app', targetId: app.id, result: 'success', ip: actor.ip, details: { clientId: app.clientId, scopes: app.scopes, redirectUris: app.redirectUris, confidential } });
    return { ...toView(app), clientSecret };
  }

  async list(): Promise<OAuthAppView[]> {
    return (await this.apps.list()).map(toView);
  }

  async delete(id: string, actor: Actor): Promise<void> {
    const app = await this.apps.delete(id);
    if (!app) throw new NotFoundError('No third-party app has this ID');
    await this.audit.record({ actorType: 'admin', actorId: actor.userId, action: 'oauth_app.delete', targetType: 'oauth_app', targetId: app.id, result: 'success', ip: actor.ip, details: { clientId: app.clientId } });
  }

  /** The apps the user has linked, with the scopes they granted. */
  async linkedApps(userId: string): Promise<LinkedApp[]> {
    const grants = await this.payloads.grantsOf(userId);
    const apps = new Map((await this.apps.findByClientIds([...new Set(grants.map((g) => g.clientId))])).map((app) => [app.clientId, app]));
    const linked = new Map<string, LinkedApp>();
    for (const grant of grants) {
      const app = apps.get(grant.clientId);
      if (!app) continue;
      const earlier = linked.get(app.clientId);
      const scopes = [...new Set([...(earlier?.scopes ?? []), ...grantScopes(grant.payload)])];
      linked.set(app.clientId, { clientId: app.clientId, name: app.name, scopes, grantedAt: earlier?.grantedAt ?? grant.createdAt.toISOString() });
    }
    return [...linked.values()];
  }

  async unlink(userId: string, clientId: string, ip?: string): Promise<void> {
    const grants = await this.payloads.revokeAccount(userId, clientId);
    if (grants === 0) throw new NotFoundError('This app is not linked to your account');
    await this.audit.record({ actorType: 'user', actorId: userId, action: 'oauth_app.unlink', targetType: 'oauth_app', targetId: clientId, result: 'success', ip, details: { grants } });
  }

  /**
   * Ends every link of a user to every app (grants, codes, tokens, authorization-server
   * sessions). For flows that must cut third-party access at once, such as a password reset.
   */
  async revokeUser(userId: string, reason: string): Promise<number> {
    const grants = await this.payloads.revokeAccount(userId);
    await this.audit.record({ actorType: 'system', action: 'oauth_app.revoke_user', targetType: 'user', targetId: userId, result: 'success', details: { reason, grants } });
    return grants;
  }
}
