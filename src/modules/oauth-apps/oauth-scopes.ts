import { SCOPES, type Scope } from '../../http/principal';

// What a third-party app may ask a user for: the scopes of the proxy, events and notifications
// routes. `users:link` belongs to the company's own backends (service clients) only.

export const APP_SCOPES = SCOPES.filter((scope) => scope !== 'users:link');

export type AppScope = (typeof APP_SCOPES)[number];

/** Each scope as the consent page says it to the user. */
export const SCOPE_WORDING: Record<AppScope, string> = {
  'homes:read': 'See your homes and who is in them',
  'homes:write': 'Create, rename and delete your homes and change who is in them',
  'devices:read': 'See your devices and what they last reported',
  'devices:write': 'Add, rename and remove your devices',
  'devices:command': 'Send commands to your devices, such as switching them on or off',
  'events:read': 'See what your devices report, as it happens and in the history',
  'notifications:read': 'Read your notifications',
};

export function isAppScope(value: string): value is AppScope {
  return (APP_SCOPES as readonly string[]).includes(value);
}

/** The known app scopes of a space-separated scope string, in the order of APP_SCOPES. */
export function appScopesOf(scope: string | undefined): AppScope[] {
  const requested = new Set((scope ?? '').split(' ').filter(Boolean));
  return APP_SCOPES.filter((known) => requested.has(known));
}

export type { Scope };
