/** Wire shapes of MODE objects, built from the stored records, after MODE's own published models. */
import type { EmulatorModes } from './modes';
import { type Device, type Home, isClaimable, type Membership, type Store, type User } from './store';

export function userView(store: Store, user: User) {
  return { id: user.id, projectId: store.projectId, verified: true, name: user.name, creationTime: user.creationTime };
}

export function homeView(store: Store, home: Home) {
  return { id: home.id, name: home.name, projectId: store.projectId, timezone: home.timezone, creationTime: home.creationTime };
}

/** MODE's member has no `homeId`; the `memberHomeId` mode adds it for clients that want it. */
export function memberView(store: Store, membership: Membership, modes?: Pick<EmulatorModes, 'memberHomeId'>) {
  return {
    userId: membership.userId,
    ...(modes?.memberHomeId ? { homeId: membership.homeId } : {}),
    name: store.users.get(membership.userId)?.name ?? '',
    verified: true,
    creationTime: membership.creationTime,
    role: membership.role,
  };
}

/** The end of the claimable window; null when the device is not claimable or has no time limit. */
export function claimExpirationTime(device: Device): string | null {
  return isClaimable(device) && typeof device.claimableUntil === 'number' ? new Date(device.claimableUntil).toISOString() : null;
}

/** Like the real MODE, the device object carries its secrets; callers must not pass them on. */
export function deviceView(store: Store, device: Device) {
  return {
    id: device.id,
    projectId: store.projectId,
    deviceClass: device.deviceClass,
    name: device.name,
    tag: device.tag,
    homeId: device.homeId,
    claimTime: device.claimTime,
    claimExpirationTime: claimExpirationTime(device),
    isConnected: device.isConnected,
    lastConnectTime: device.lastConnectTime,
    lastDisconnectTime: device.lastDisconnectTime,
    firmwareVersion: device.firmwareVersion,
    claimCode: device.claimCode,
    apiKey: device.apiKey,
  };
}
