/** A JSON snapshot of the whole emulated project, for assertions and for `GET /_emulator/state`. */
import type { EmulatorContext } from './context';
import { type Device, isClaimable } from './store';
import { claimExpirationTime, deviceView, homeView, memberView, userView } from './views';

function claimState(device: Device) {
  return { claimable: isClaimable(device), claimableUntil: claimExpirationTime(device) };
}

export function snapshot({ store, webhooks, faults, requestLog, modes }: EmulatorContext) {
  const apiKeys = [...store.keys.values()];
  return structuredClone({
    projectId: store.projectId,
    projectKeys: apiKeys.filter((key) => key.kind === 'project'),
    userKeys: apiKeys.filter((key) => key.kind === 'user'),
    users: [...store.users.values()].map((user) => userView(store, user)),
    homes: [...store.homes.values()].map((home) => homeView(store, home)),
    // The state names each member's home, whatever shape the API answers in.
    members: [...store.homes.keys()].flatMap((homeId) => store.membersOf(homeId).map((m) => ({ ...memberView(store, m), homeId }))),
    devices: [...store.devices.values()].map((device) => ({
      ...deviceView(store, device),
      provisioning: device.provisioning,
      ...claimState(device),
    })),
    kv: Object.fromEntries([...store.kv].map(([homeId, pairs]) => [homeId, [...pairs.values()]])),
    deviceKv: Object.fromEntries([...store.deviceKv].map(([deviceId, pairs]) => [deviceId, [...pairs.values()]])),
    modes,
    webhooks: webhooks.list(),
    webhookDeliveries: webhooks.deliveries,
    fault: faults.current(),
    requests: requestLog.list(),
  });
}
