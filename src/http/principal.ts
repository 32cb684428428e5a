// Who is calling: a logged-in user, a service client acting on behalf of a user, or a
// third-party app the user linked.

export const SCOPES = [
  'homes:read',
  'homes:write',
  'devices:read',
  'devices:write',
  'devices:command',
  'events:read',
  'notifications:read',
  'users:link',
] as const;

export type Scope = (typeof SCOPES)[number];

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  role: 'user' | 'admin';
}

export interface ServicePrincipal {
  kind: 'service';
  /** The local user the service client acts for (X-On-Behalf-Of). */
  userId: string;
  role: 'user';
  clientId: string;
  serviceClientId: string;
  scopes: Scope[];
}

/** A third-party app (OAuth authorization code grant) acting for the user who linked it. */
export interface AppPrincipal {
  kind: 'app';
  userId: string;
  role: 'user';
  /** The app's public client ID. */
  clientId: string;
  scopes: Scope[];
}

export type Principal = UserPrincipal | ServicePrincipal | AppPrincipal;

/** What a route demands of its caller. */
export type Access = 'public' | 'user' | 'admin';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}
