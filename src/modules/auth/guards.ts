import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../../lib/errors';
import type { Guards } from '../../http/route';
import type { Access, Principal, Scope } from '../../http/principal';
import type { UsersRepository } from '../users/users.repository';
import { SERVICE_AUDIENCE, type AccessTokens } from './access-tokens';

/** Turns a service token plus X-On-Behalf-Of into a principal; provided by service clients. */
export interface ServicePrincipalResolver {
  resolve(token: string, req: Request, scope: Scope | undefined): Promise<Principal>;
}

/** Turns the access token of a linked third-party app into its user; provided by oauth-apps. */
export interface AppPrincipalResolver {
  resolve(token: string, scope: Scope | undefined): Promise<Principal>;
}

export interface GuardDeps {
  accessTokens: AccessTokens;
  users: UsersRepository;
  services?: ServicePrincipalResolver;
  apps?: AppPrincipalResolver;
}

/** The bridge's own tokens are JWTs; the authorization server's are opaque (no dots). */
const isOpaque = (token: string): boolean => !token.includes('.');

export function bearerToken(req: Request): string {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new UnauthenticatedError('A Bearer access token is required');
  return match[1];
}

export function createGuards(deps: GuardDeps): Guards {
  const resolve = async (req: Request, access: Exclude<Access, 'public'>, scope?: Scope): Promise<Principal> => {
    const token = bearerToken(req);
    // Admin routes never take an app's token: it fails there as any non-JWT does.
    if (deps.apps && isOpaque(token) && access === 'user') return deps.apps.resolve(token, scope);
    if (deps.accessTokens.audienceOf(token) === SERVICE_AUDIENCE && access === 'user' && deps.services) {
      return deps.services.resolve(token, req, scope);
    }
    const claims = deps.accessTokens.verifyUser(token);
    if (access === 'admin') {
      // Roles are re-read for admin routes: a demoted or disabled admin loses access at once.
      const user = await deps.users.findById(claims.userId);
      if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
      if (user.role !== 'admin') throw new ForbiddenError('Administrators only');
      return { kind: 'user', userId: user.id, role: 'admin' };
    }
    return { kind: 'user', userId: claims.userId, role: claims.role };
  };
  return {
    authenticate(access, scope): RequestHandler {
      return async (req, _res, next) => {
        req.principal = await resolve(req, access, scope);
        next();
      };
    },
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthenticatedError();
  return req.principal;
}
