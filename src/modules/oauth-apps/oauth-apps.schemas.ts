import { z } from 'zod';
import { APP_SCOPES } from './oauth-scopes';

export const AppScopeName = z.enum(APP_SCOPES).openapi('AppScope');

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Where the authorization server may send the user back: absolute https URLs without a fragment
 * (RFC 6749 3.1.2), or http on this machine's loopback (development, tests).
 */
export const RedirectUri = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      if (url.hash || url.username || url.password) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    } catch {
      return false;
    }
  }, 'must be an absolute https:// URL without a fragment (http:// only on loopback)');

export const CreateOAuthAppBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ description: 'Shown to users on the consent page', example: 'Alexa' }),
    redirectUris: z
      .array(RedirectUri)
      .min(1)
      .max(10)
      .transform((uris) => [...new Set(uris)])
      .openapi({ description: 'Exact redirect URIs the app may use', example: ['https://pitangui.amazon.com/api/skill/link/M2AAAAAAAAAAAA'] }),
    scopes: z
      .array(AppScopeName)
      .min(1)
      .transform((scopes) => [...new Set(scopes)])
      .openapi({ description: 'The most the app may ask a user for' }),
    confidential: z.boolean().optional().openapi({ description: 'false: a public client (no secret; PKCE with S256 required). Default true' }),
  })
  .strict()
  .openapi('CreateOAuthAppRequest');

export const OAuthAppParams = z.object({ id: z.guid() });
export const LinkedAppParams = z.object({ clientId: z.string().min(1).max(100) });

export const OAuthAppView = z
  .object({
    id: z.string(),
    name: z.string(),
    clientId: z.string(),
    redirectUris: z.array(z.string()),
    scopes: z.array(AppScopeName),
    confidential: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('OAuthApp');

export const CreatedOAuthApp = OAuthAppView.extend({
  clientSecret: z.string().nullable().openapi({ description: 'Shown only in this answer; null for a public client' }),
}).openapi('CreatedOAuthApp');

export const LinkedApp = z
  .object({ clientId: z.string(), name: z.string(), scopes: z.array(AppScopeName), grantedAt: z.string() })
  .openapi('LinkedApp');
