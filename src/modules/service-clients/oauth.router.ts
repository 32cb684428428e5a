import type { ErrorRequestHandler, Request, Response } from 'express';
import type { ApiRouter } from '../../http/route';
import { clientIp, limiter } from '../../http/rate-limit';
import type { AuthRouteLimits } from '../auth/auth.router';
import { OAuthError, OAuthErrorBody, TokenRequest, TokenRequestFields, TokenResponse } from './oauth.schemas';
import type { ClientCredentials, ServiceClientsService } from './service-clients.service';

// POST /v1/oauth/token: the client credentials grant of RFC 6749 section 4.4. Its errors keep
// OAuth's shape so that stock OAuth client libraries understand them, which is why this
// handler validates its own input instead of letting the route spec do it.

type TokenParams = { grant_type?: string; client_id?: string; client_secret?: string; scope?: string };

export function registerOAuthRoutes(api: ApiRouter, serviceClients: ServiceClientsService, limits: AuthRouteLimits): void {
  // Only failures count: a well-behaved backend may fetch tokens often, a guesser may not.
  const failuresPerIp = limiter({ name: 'oauth-token-failures', windowMs: 60_000, limit: limits.perIpPerMinute, key: clientIp, skipSuccessfulRequests: true, stores: limits.stores });

  api.route(
    {
      method: 'post',
      path: '/v1/oauth/token',
      summary: 'Get a service token with the OAuth 2.0 client credentials grant',
      tags: ['service clients'],
      access: 'public',
      before: [failuresPerIp],
      documentedBody: { schema: TokenRequest, contentTypes: ['application/x-www-form-urlencoded', 'application/json'] },
      responses: {
        200: { description: 'A service token, sent with `Cache-Control: no-store`; use it with `X-On-Behalf-Of`', schema: TokenResponse },
        400: { description: 'OAuth error (RFC 6749 shape): invalid_request, unsupported_grant_type or invalid_scope', schema: OAuthErrorBody },
        401: { description: 'OAuth error (RFC 6749 shape) invalid_client, with `WWW-Authenticate: Basic` when the Authorization header was used', schema: OAuthErrorBody },
      },
    },
    async (_input, req, res) => {
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
      try {
        const { credentials, scope } = readTokenRequest(req);
        const grant = await serviceClients.issueToken(credentials, scope, req.ip);
        res.json({ access_token: grant.token, token_type: 'Bearer', expires_in: grant.expiresIn, scope: grant.scopes.join(' ') });
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        sendOAuthError(req, res, error);
      }
    },
  );
}

/** Mounted on the token path after the body parsers: a malformed body is an OAuth invalid_request. */
export const oauthBodyErrors: ErrorRequestHandler = (error, req, res, next) => {
  if ((error as { type?: string }).type !== 'entity.parse.failed') return next(error);
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  sendOAuthError(req, res, new OAuthError('invalid_request', 'The request body is malformed'));
};

function sendOAuthError(req: Request, res: Response, error: OAuthError): void {
  const status = error.code === 'invalid_client' ? 401 : 400;
  // RFC 6749 5.2: a client that authenticated through the Authorization header is told how to.
  if (status === 401 && req.get('authorization') !== undefined) res.set('WWW-Authenticate', 'Basic realm="mode-bridge", charset="UTF-8"');
  res.status(status).json({ error: error.code, error_description: error.message });
}

function readTokenRequest(req: Request): { credentials: ClientCredentials; scope?: string } {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new OAuthError('invalid_request', 'The body must be a form or a JSON object');
  const parsed = TokenRequestFields.safeParse(body);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
    throw new OAuthError('invalid_request', `Each parameter must be given once, as text: ${names.join(', ')}`);
  }
  const params = withoutEmpty(parsed.data);
  if (params.grant_type === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
  if (params.grant_type !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
  return { credentials: readCredentials(req, params), scope: params.scope };
}

/** RFC 6749 3.2: a parameter sent without a value is treated as omitted. */
function withoutEmpty(params: TokenParams): TokenParams {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/** RFC 6749 2.3.1: HTTP Basic or the body, never both. */
function readCredentials(req: Request, params: TokenParams): ClientCredentials {
  const header = req.get('authorization');
  if (header !== undefined) {
    const basic = parseBasic(header);
    if (params.client_secret !== undefined) throw new OAuthError('invalid_request', 'Use one client authentication method, not both');
    if (params.client_id !== undefined && params.client_id !== basic.clientId) throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials');
    return basic;
  }
  if (params.client_id === undefined && params.client_secret === undefined) throw new OAuthError('invalid_client', 'Client authentication is required');
  if (params.client_id === undefined) throw new OAuthError('invalid_request', 'client_id is required');
  if (params.client_secret === undefined) throw new OAuthError('invalid_request', 'client_secret is required');
  return { clientId: params.client_id, clientSecret: params.client_secret };
}

function parseBasic(header: string): ClientCredentials {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match?.[1]) throw new OAuthError('invalid_client', 'The Authorization header must use HTTP Basic client authentication');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'The Basic credentials are malformed');
  try {
    // The client ID and secret are form-encoded before Basic encoding (RFC 6749 2.3.1).
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_client', 'The Basic credentials are malformed');
  }
}
