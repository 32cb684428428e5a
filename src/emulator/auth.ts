/** Who is calling (project, user or device key) and what that key may reach. */
import type { IncomingHttpHeaders } from 'node:http';
import { accessDenied, authRequired, invalidApiKey, notFound } from './errors';
import type { ApiKey, Device, Home, Membership, Store } from './store';

export type ProjectKey = Extract<ApiKey, { kind: 'project' }>;
export type UserKey = Extract<ApiKey, { kind: 'user' }>;
export type DeviceKey = Extract<ApiKey, { kind: 'device' }>;

const scheme = /^ModeCloud\s+(\S+)\s*$/i;

export class Access {
  constructor(private readonly store: Store) {}

  /** The caller's key from `Authorization: ModeCloud <key>`, or from `fallbackKey` (WebSocket `authToken`). */
  principal(headers: IncomingHttpHeaders, fallbackKey?: string): ApiKey {
    const header = headers.authorization;
    if (header === undefined || header === '') {
      if (fallbackKey) return this.resolve(fallbackKey);
      throw authRequired();
    }
    const match = scheme.exec(header);
    if (!match?.[1]) throw invalidApiKey();
    return this.resolve(match[1]);
  }

  user(headers: IncomingHttpHeaders): UserKey {
    const who = this.principal(headers);
    if (who.kind !== 'user') throw accessDenied();
    return who;
  }

  project(headers: IncomingHttpHeaders, need: { byou?: boolean; sendEvents?: boolean } = {}): ProjectKey {
    const who = this.principal(headers);
    if (who.kind !== 'project') throw accessDenied();
    if (need.byou && !who.byou) throw accessDenied();
    if (need.sendEvents && !who.canSendEvents) throw accessDenied();
    return who;
  }

  /** A user or project key; device keys have no business with homes. */
  userOrProject(headers: IncomingHttpHeaders): UserKey | ProjectKey {
    const who = this.principal(headers);
    if (who.kind === 'device') throw accessDenied();
    return who;
  }

  /** A home the caller can see: any home for a project key, the user's own homes for a user key. */
  home(who: UserKey | ProjectKey, homeId: number): Home {
    const home = this.store.homes.get(homeId);
    if (!home) throw notFound();
    if (who.kind === 'user' && !this.store.membership(homeId, who.userId)) throw notFound();
    return home;
  }

  membership(who: UserKey, homeId: number): { home: Home; membership: Membership } {
    const home = this.store.homes.get(homeId);
    const membership = this.store.membership(homeId, who.userId);
    if (!home || !membership) throw notFound();
    return { home, membership };
  }

  device(who: ApiKey, deviceId: number): Device {
    const device = this.store.devices.get(deviceId);
    if (!device) throw notFound();
    const visible =
      who.kind === 'project' ||
      (who.kind === 'device' && who.deviceId === deviceId) ||
      (who.kind === 'user' && this.store.membership(device.homeId, who.userId) !== undefined);
    if (!visible) throw notFound();
    return device;
  }

  private resolve(key: string): ApiKey {
    const apiKey = this.store.keys.get(key);
    if (!apiKey) throw invalidApiKey();
    return apiKey;
  }
}
