import type { Configuration, KoaContextWithOIDC, default as ProviderClass } from 'oidc-provider';
import { sha256Hex, safeEqual } from '../../lib/crypto';
import { importEsm } from '../../lib/import-esm';
import type { OAuthJwks } from '../../lib/config';
import { renderView } from '../../web/views';
import type { UsersRepository } from '../users/users.repository';
import { APP_SCOPES } from './oauth-scopes';
import type { OAuthPayloadsRepository } from './oauth-payloads.repository';

// oidc-provider, the OpenID-certified authorization server, set up for account linking:
// authorization code with PKCE, rotating refresh tokens, revocation, exact redirect URIs.
// Its endpoints live under /oauth/ (the client-credentials endpoint stays at /v1/oauth/token);
// its sign-in and consent steps are our own pages (interactions.router.ts).

export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/session/end',
  introspection: '/oauth/introspect',
  registration: '/oauth/register',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  pushed_authorization_request: '/oauth/par',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const;

export const INTERACTION_PATH = '/oauth/interaction';

export const TTL_SECONDS = {
  AuthorizationCode: 60,
  AccessToken: 60 * 60,
  RefreshToken: 90 * 86_400,
  Grant: 365 * 86_400,
  Interaction: 30 * 60,
  Session: 14 * 86_400,
};

export interface ProviderSettings {
  issuer: string;
  jwks: OAuthJwks;
  cookieKeys: string[];
  secureCookies: boolean;
  adapter: NonNullable<Configuration['adapter']>;
  users: UsersRepository;
  payloads: OAuthPayloadsRepository;
}

export async function createProvider(settings: ProviderSettings): Promise<ProviderClass> {
  // oidc-provider is an ES module only.
  const { default: Provider } = await importEsm<{ default: typeof ProviderClass }>('oidc-provider');
  const provider = new Provider(settings.issuer, configuration(settings));
  // The forwarded headers it reads are set by authorization-server.ts, never taken from the client.
  provider.proxy = true;
  // Client secrets are stored as SHA-256 hashes, so the one the client sends is hashed before
  // the constant-time comparison (the library's documented extension point for hashed secrets;
  // it rules out only HMAC client authentication and symmetric tokens, which are not offered).
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(this: { clientSecret?: string }, actual: string) {
    return Promise.resolve(typeof this.clientSecret === 'string' && safeEqual(sha256Hex(actual), this.clientSecret));
  };
  return provider;
}

function configuration(settings: ProviderSettings): Configuration {
  return {
    adapter: settings.adapter,
    jwks: settings.jwks as Configuration['jwks'],
    cookies: {
      keys: settings.cookieKeys,
      long: { signed: true, sameSite: 'lax', secure: settings.secureCookies },
      short: { signed: true, sameSite: 'lax', secure: settings.secureCookies },
    },
    routes: OAUTH_ROUTES,
    scopes: ['openid', ...APP_SCOPES],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    // Exact match against the registered list, which the client must always name.
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: {
      methods: ['S256'],
      // Alexa and Google send no PKCE, so confidential apps may go without; public ones may not.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    // Voice assistants never ask for offline_access, yet expect a refresh token.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every refresh rotates; a rotated token used again revokes the whole grant (the library's reuse detection).
    rotateRefreshToken: () => true,
    ttl: TTL_SECONDS,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    // Consent is remembered per user and app, whichever browser the user comes back with.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      const grantId =
        ctx.oidc.result?.consent?.grantId ??
        (accountId && clientId ? (await settings.payloads.grantsOf(accountId, clientId)).at(-1)?.grantId : undefined) ??
        (clientId ? ctx.oidc.session?.grantIdFor(clientId) : undefined);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    // Disabled and deleted users are unknown: no code, token or refresh is issued for them.
    findAccount: async (_ctx, id) => {
      const user = await settings.users.findById(id);
      if (!user || user.status !== 'active') return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id }) };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderView('message', { title: 'This link cannot be completed', message: errorMessage(out) });
    },
  };
}

function errorMessage(out: { error: string; error_description?: string }): string {
  if (out.error === 'invalid_redirect_uri') return 'The app asked to return to an address it has not registered, so you were not sent there.';
  return out.error_description ?? out.error;
}
