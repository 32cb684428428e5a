import { z } from 'zod';

// The token endpoint speaks OAuth 2.0 (RFC 6749), not the rest of the API's dialect: its
// requests are forms (JSON is accepted too) and its errors are `{error, error_description}`.

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type';

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

const param = z.string().max(1000);

/** What the handler validates: every parameter optional, so each gap gets its own OAuth error. */
export const TokenRequestFields = z.object({
  grant_type: param.optional(),
  client_id: param.optional(),
  client_secret: param.optional(),
  scope: param.optional(),
});

/** What the OpenAPI document shows. */
export const TokenRequest = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().optional().openapi({ description: 'Required unless sent with HTTP Basic authentication' }),
    client_secret: z.string().optional().openapi({ description: 'Required unless sent with HTTP Basic authentication' }),
    scope: z.string().optional().openapi({ description: "Space-separated scopes, a subset of the client's; omitted: all of them", example: 'homes:read devices:command' }),
  })
  .openapi('TokenRequest', {
    description: 'OAuth 2.0 client credentials grant (RFC 6749 section 4.4). Client credentials go in the body or in an `Authorization: Basic` header (section 2.3.1), not both.',
  });

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds until the token expires' }),
    scope: z.string().openapi({ description: 'The granted scopes, space-separated' }),
  })
  .openapi('TokenResponse');

export const OAuthErrorBody = z
  .object({
    error: z.enum(['invalid_request', 'invalid_client', 'invalid_scope', 'unsupported_grant_type']),
    error_description: z.string(),
  })
  .openapi('OAuthError', {
    description: "RFC 6749 section 5.2 error: this endpoint does not use the API's usual `{error: {code, message}}` body.",
  });
