import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { randomToken, safeEqual, sha256Hex } from '../../lib/crypto';
import type { Scope } from '../../http/principal';
import type { AuditRepository } from '../audit/audit.repository';
import type { AccessTokens } from '../auth/access-tokens';
import { OAuthError } from './oauth.schemas';
import type { ServiceClientRecord, ServiceClientsRepository } from './service-clients.repository';
import { isScope, toServiceClientView, type CreatedServiceClient, type CreateServiceClientInput, type ServiceClientView } from './service-clients.schemas';

// Service clients: created and revoked by admins, they trade their credentials for short-lived
// service tokens (OAuth 2.0 client credentials) carrying a subset of their scopes.

export interface Actor {
  userId: string;
  ip?: string;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ServiceTokenGrant {
  token: string;
  expiresIn: number;
  scopes: Scope[];
}

// Secrets are 256-bit random values, so a fast hash cannot be brute-forced from a leaked row:
// slow password hashes (argon2) exist for low-entropy human passwords. SHA-256 keeps the token
// endpoint cheap; the comparison is constant-time.
const hashSecret = (secret: string): string => sha256Hex(secret);
const UNKNOWN_CLIENT_HASH = hashSecret('no client has this secret');

export class ServiceClientsService {
  constructor(
    private readonly clients: ServiceClientsRepository,
    private readonly audit: AuditRepository,
    private readonly accessTokens: AccessTokens,
  ) {}

  async create(input: CreateServiceClientInput, actor: Actor): Promise<CreatedServiceClient> {
    const allowedUserIds = input.allowedUserIds ?? [];
    const unknown = await this.clients.unknownUserIds(allowedUserIds);
    if (unknown.length > 0) {
      const details = unknown.map((id) => ({ field: `body.allowedUserIds.${allowedUserIds.indexOf(id)}`, message: `No user has the ID ${id}` }));
      throw new ValidationError(details, 'Some allowed users do not exist');
    }
    const clientSecret = randomToken(32);
    const client = await this.clients.create({
      id: randomUUID(),
      name: input.name,
      clientId: `svc_${randomToken(12)}`,
      secretHash: hashSecret(clientSecret),
      scopes: input.scopes,
      allowedUserIds,
      allUsers: input.allowedUserIds === undefined,
      createdById: actor.userId,
    });
    await this.audit.record({ actorType: 'admin', actorId: actor.userId, action: 'service_client.create', targetType: 'service_client', targetId: client.id, result: 'success', ip: actor.ip, details: { clientId: client.clientId, scopes: input.scopes, allUsers: client.allUsers } });
    const { revokedAt: _revokedAt, ...view } = toServiceClientView(client);
    return { ...view, clientSecret };
  }

  async list(): Promise<ServiceClientView[]> {
    return (await this.clients.list()).map(toServiceClientView);
  }

  /** Its tokens stop working at once: every service call re-reads the client. */
  async revoke(id: string, actor: Actor): Promise<void> {
    const client = await this.clients.revoke(id, new Date());
    if (!client) throw new NotFoundError('No service client has this ID');
    await this.audit.record({ actorType: 'admin', actorId: actor.userId, action: 'service_client.revoke', targetType: 'service_client', targetId: client.id, result: 'success', ip: actor.ip, details: { clientId: client.clientId } });
  }

  /** The client credentials grant: `requestedScope` is space-separated; none means all of the client's. */
  async issueToken(credentials: ClientCredentials, requestedScope: string | undefined, ip?: string): Promise<ServiceTokenGrant> {
    const client = await this.authenticate(credentials, ip);
    const allowed = client.scopes.filter(isScope);
    const requested = requestedScope?.split(' ').filter(Boolean) ?? [];
    const refused = requested.filter((scope) => !allowed.includes(scope as Scope));
    if (refused.length > 0) {
      await this.audit.record({ actorType: 'service', actorId: client.clientId, action: 'oauth.token', targetType: 'service_client', targetId: client.id, result: 'failure', ip, details: { reason: 'invalid_scope' } });
      throw new OAuthError('invalid_scope', `This client may not have: ${refused.join(' ')}`);
    }
    const scopes = requested.length > 0 ? allowed.filter((scope) => requested.includes(scope)) : allowed;
    const signed = this.accessTokens.signService(client.clientId, scopes);
    await this.audit.record({ actorType: 'service', actorId: client.clientId, action: 'oauth.token', targetType: 'service_client', targetId: client.id, result: 'success', ip, details: { scopes } });
    return { token: signed.token, expiresIn: signed.expiresIn, scopes };
  }

  /** The same answer for an unknown client, a wrong secret and a revoked client. */
  private async authenticate(credentials: ClientCredentials, ip?: string): Promise<ServiceClientRecord> {
    const client = await this.clients.findByClientId(credentials.clientId);
    const secretMatches = safeEqual(hashSecret(credentials.clientSecret), client?.secretHash ?? UNKNOWN_CLIENT_HASH);
    if (client && secretMatches && !client.revokedAt) return client;
    const reason = !client ? 'unknown_client' : !secretMatches ? 'wrong_secret' : 'revoked';
    await this.audit.record({ actorType: 'anonymous', action: 'oauth.token', targetType: 'service_client', targetId: client?.id ?? null, result: 'failure', ip, details: { reason } });
    throw new OAuthError('invalid_client', 'Client authentication failed');
  }
}
