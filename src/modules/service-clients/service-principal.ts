import type { Request } from 'express';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../lib/errors';
import type { Principal, Scope, ServicePrincipal } from '../../http/principal';
import type { AccessTokens } from '../auth/access-tokens';
import type { ServicePrincipalResolver } from '../auth/guards';
import type { UsersRepository } from '../users/users.repository';
import { ON_BEHALF_OF, type ServiceCalls } from './service-calls';
import type { ServiceClientsRepository } from './service-clients.repository';
import { isScope, UserId } from './service-clients.schemas';

// A service token plus X-On-Behalf-Of becomes the user it names, within the client's scopes.
// The client row and the user row are read on every call (nothing is cached), so revoking a
// client or disabling a user takes effect at once.

export class ServicePrincipals implements ServicePrincipalResolver {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly clients: ServiceClientsRepository,
    private readonly users: UsersRepository,
    private readonly calls: ServiceCalls,
  ) {}

  async resolve(token: string, req: Request, scope: Scope | undefined): Promise<Principal> {
    const claims = this.accessTokens.verifyService(token);
    const header = req.get(ON_BEHALF_OF)?.trim();
    const onBehalfOf = header && UserId.safeParse(header).success ? header.toLowerCase() : undefined;
    this.calls.track(req, { clientId: claims.clientId, onBehalfOf });

    const client = await this.clients.findByClientId(claims.clientId);
    if (!client || client.revokedAt) throw new UnauthenticatedError('This service client was revoked');
    // Routes without a scope (the caller's own account, admin work) are for users only.
    if (!scope) throw new UnauthenticatedError('This route does not accept service tokens');
    if (!onBehalfOf) {
      const message = header ? 'must be a local user ID' : 'is required with a service token';
      throw new ValidationError([{ field: 'headers.x-on-behalf-of', message }], `${ON_BEHALF_OF} ${message}`);
    }
    // A token keeps only the scopes its client still has.
    const scopes = claims.scopes.filter((granted): granted is Scope => isScope(granted) && client.scopes.includes(granted));
    if (!scopes.includes(scope)) throw new ForbiddenError(`This needs the ${scope} scope`, 'insufficient_scope');
    if (!client.allUsers && !client.allowedUserIds.includes(onBehalfOf)) {
      throw new ForbiddenError('This service client may not act for this user');
    }
    const user = await this.users.findById(onBehalfOf);
    if (!user) throw new NotFoundError('No user has this ID');
    if (user.status !== 'active') throw new ForbiddenError('This user cannot be acted for');

    const principal: ServicePrincipal = { kind: 'service', userId: user.id, role: 'user', clientId: client.clientId, serviceClientId: client.id, scopes };
    return principal;
  }
}
