/** Wire shapes of MODE objects, built from the stored records. */
import type { Device, Home, Membership, Store, User } from './store';

export function userView(store: Store, user: User) {
  return { id: user.id, projectId: store.projectId, verified: true, name: user.name, creationTime: user.creationTime };
}

export function homeView(store: Store, home: Home) {
  return { id: home.id, name: home.name, projectId: store.projectId, timezone: home.timezone, creationTime: home.creationTime };
}

export function memberView(store: Store, membership: Membership) {
  return {
    userId: membership.userId,
    homeId: membership.homeId,
    name: store.users.get(membership.userId)?.name ?? '',
    verified: true,
    creationTime: membership.creationTime,
    role: membership.role,
  };
}

/** Like the real MODE, the device object carries its secrets; callers must not pass them on. */
export function deviceView(store: Store, device: Device) {
  return {
    id: device.id,
    projectId: store.projectId,
    homeId: device.homeId,
    name: device.name,
    tag: device.tag,
    deviceClass: device.deviceClass,
    isConnected: device.isConnected,
    lastConnectTime: device.lastConnectTime,
    firmwareVersion: device.firmwareVersion,
    claimCode: device.claimCode,
    apiKey: device.apiKey,
  };
}
