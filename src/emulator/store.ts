/** In-memory state of one MODE project: users, homes, members, devices, keys, key-value pairs. */
import { newClaimCode, newSecret } from './secrets';

export type Role = 'owner' | 'member';

export interface User {
  id: number;
  name: string;
  creationTime: string;
}

export interface Home {
  id: number;
  name: string;
  timezone: string;
  creationTime: string;
}

export interface Membership {
  homeId: number;
  userId: number;
  role: Role;
  creationTime: string;
}

export interface Device {
  id: number;
  /** 0 while the device belongs to no home. */
  homeId: number;
  name: string;
  tag: string;
  deviceClass: string;
  firmwareVersion: string;
  claimCode: string;
  apiKey: string;
  isConnected: boolean;
  lastConnectTime: string | null;
  lastDisconnectTime: string | null;
  /** When the device was last claimed into a home (or redeemed into one); null while in none. */
  claimTime: string | null;
  /** Epoch ms until which the device may be claimed, `unlimited`, or null when it may not be (JSON-safe). */
  claimableUntil: number | 'unlimited' | null;
  provisioning: 'pre' | 'on-demand';
}

export interface KvPair {
  key: string;
  value: unknown;
  modificationTime: string;
}

export type ApiKey =
  | { kind: 'project'; key: string; keyId: string; byou: boolean; canSendEvents: boolean }
  | { kind: 'user'; key: string; userId: number; creationTime: string }
  | { kind: 'device'; key: string; deviceId: number };

export interface ProvisioningToken {
  token: string;
  homeId: number;
  deviceClass: string;
  tag: string;
  expiresAt: number;
}

export const now = () => new Date().toISOString();

export function isClaimable(device: Device, at = Date.now()): boolean {
  return device.claimableUntil === 'unlimited' || (device.claimableUntil !== null && device.claimableUntil >= at);
}

export interface NewDevice {
  homeId: number;
  deviceClass: string;
  name?: string;
  tag?: string;
  provisioning: Device['provisioning'];
}

export class Store {
  readonly users = new Map<number, User>();
  readonly homes = new Map<number, Home>();
  /** homeId -> userId -> membership */
  readonly members = new Map<number, Map<number, Membership>>();
  readonly devices = new Map<number, Device>();
  readonly keys = new Map<string, ApiKey>();
  /** homeId -> key -> pair */
  readonly kv = new Map<number, Map<string, KvPair>>();
  /** deviceId -> key -> pair: the device's own key-value store (MODE's app client uses it). */
  readonly deviceKv = new Map<number, Map<string, KvPair>>();
  readonly provisioningTokens = new Map<string, ProvisioningToken>();
  // One sequence for every kind of object, so an ID used as the wrong kind never finds anything.
  private lastId = 0;
  private lastKeyId = 0;

  constructor(readonly projectId: number) {}

  nextId(): number {
    return ++this.lastId;
  }

  addProjectKey(opts: { key?: string; byou: boolean; canSendEvents: boolean }): string {
    const key = opts.key ?? newSecret();
    const keyId = `pk-${++this.lastKeyId}`;
    this.keys.set(key, { kind: 'project', key, keyId, byou: opts.byou, canSendEvents: opts.canSendEvents });
    return key;
  }

  addDevice(fields: NewDevice): Device {
    const device: Device = {
      id: this.nextId(),
      homeId: fields.homeId,
      name: fields.name ?? '',
      tag: fields.tag ?? '',
      deviceClass: fields.deviceClass,
      firmwareVersion: '',
      claimCode: newClaimCode(),
      apiKey: newSecret(),
      isConnected: false,
      lastConnectTime: null,
      lastDisconnectTime: null,
      claimTime: fields.homeId === 0 ? null : now(),
      claimableUntil: null,
      provisioning: fields.provisioning,
    };
    this.devices.set(device.id, device);
    this.keys.set(device.apiKey, { kind: 'device', key: device.apiKey, deviceId: device.id });
    return device;
  }

  issueUserKey(userId: number): ApiKey & { kind: 'user' } {
    const apiKey = { kind: 'user' as const, key: newSecret(), userId, creationTime: now() };
    this.keys.set(apiKey.key, apiKey);
    return apiKey;
  }

  revokeUserKeys(userId: number): void {
    for (const [key, apiKey] of this.keys) {
      if (apiKey.kind === 'user' && apiKey.userId === userId) this.keys.delete(key);
    }
  }

  membership(homeId: number, userId: number): Membership | undefined {
    return this.members.get(homeId)?.get(userId);
  }

  membersOf(homeId: number): Membership[] {
    return [...(this.members.get(homeId)?.values() ?? [])];
  }

  homesOf(userId: number): Home[] {
    return [...this.homes.values()].filter((home) => this.membership(home.id, userId));
  }

  devicesOf(homeId: number): Device[] {
    return [...this.devices.values()].filter((device) => device.homeId === homeId);
  }

  addMember(homeId: number, userId: number, role: Role): Membership {
    const membership = { homeId, userId, role, creationTime: now() };
    const homeMembers = this.members.get(homeId) ?? new Map<number, Membership>();
    homeMembers.set(userId, membership);
    this.members.set(homeId, homeMembers);
    return membership;
  }

  deleteUser(userId: number): void {
    this.users.delete(userId);
    this.revokeUserKeys(userId);
    for (const homeMembers of this.members.values()) homeMembers.delete(userId);
  }

  /** Devices of a deleted home go back to being unassigned; on-demand ones vanish with it. */
  deleteHome(homeId: number): Device[] {
    this.homes.delete(homeId);
    this.members.delete(homeId);
    this.kv.delete(homeId);
    const removed: Device[] = [];
    for (const device of this.devicesOf(homeId)) {
      if (this.releaseDevice(device)) removed.push(device);
    }
    return removed;
  }

  /** Takes a device out of its home; returns true when the device no longer exists at all. */
  releaseDevice(device: Device): boolean {
    if (device.provisioning === 'pre') {
      device.homeId = 0;
      device.claimTime = null;
      return false;
    }
    this.devices.delete(device.id);
    this.deviceKv.delete(device.id);
    this.keys.delete(device.apiKey);
    return true;
  }

  kvOf(homeId: number): Map<string, KvPair> {
    const pairs = this.kv.get(homeId) ?? new Map<string, KvPair>();
    this.kv.set(homeId, pairs);
    return pairs;
  }

  deviceKvOf(deviceId: number): Map<string, KvPair> {
    const pairs = this.deviceKv.get(deviceId) ?? new Map<string, KvPair>();
    this.deviceKv.set(deviceId, pairs);
    return pairs;
  }

  /** Forgets all data; project keys stay, they are the project's configuration. */
  clear(): void {
    for (const map of [this.users, this.homes, this.members, this.devices, this.kv, this.deviceKv, this.provisioningTokens]) {
      map.clear();
    }
    for (const [key, apiKey] of this.keys) if (apiKey.kind !== 'project') this.keys.delete(key);
  }
}
