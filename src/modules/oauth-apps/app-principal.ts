import type Provider from 'oidc-provider';
import { ForbiddenError, UnauthenticatedError } from '../../lib/errors';
import type { AppPrincipal, Principal, Scope } from '../../http/principal';
import type { AppPrincipalResolver } from '../auth/guards';
import type { UsersRepository } from '../users/users.repository';
import type { OAuthAppsRepository } from './oauth-apps.repository';
import { appScopesOf } from './oauth-scopes';

// An access token of the authorization code grant becomes the user who consented, within the
// scopes they granted. The token, its grant, the app and the user are read on every call, so a
// deleted app, an unlink, a disabled or deleted user, or a revoked grant stop it at once.

export class AppPrincipals implements AppPrincipalResolver {
  constructor(
    private readonly provider: () => Promise<Provider>,
    private readonly apps: OAuthAppsRepository,
    private readonly users: UsersRepository,
  ) {}

  async resolve(token: string, scope: Scope | undefined): Promise<Principal> {
    const provider = await this.provider();
    const accessToken = await provider.AccessToken.find(token);
    if (!accessToken || accessToken.isExpired || !accessToken.accountId || !accessToken.grantId) {
      throw new UnauthenticatedError('The access token is not valid');
    }
    const [grant, app, user] = await Promise.all([
      provider.Grant.find(accessToken.grantId),
      this.apps.findByClientId(accessToken.clientId ?? ''),
      this.users.findById(accessToken.accountId),
    ]);
    if (!grant || !app) throw new UnauthenticatedError('This app is no longer linked');
    if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
    // Routes without a scope (the caller's own account, admin work) are for the user's own tokens.
    if (!scope) throw new UnauthenticatedError('This route does not accept the tokens of third-party apps');
    // A token keeps only the scopes its app still has.
    const scopes = appScopesOf(accessToken.scope).filter((granted) => app.scopes.includes(granted)) as Scope[];
    if (!scopes.includes(scope)) throw new ForbiddenError(`This needs the ${scope} scope`, 'insufficient_scope');
    const principal: AppPrincipal = { kind: 'app', userId: user.id, role: 'user', clientId: app.clientId, scopes };
    return principal;
  }
}
