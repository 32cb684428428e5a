/** A JSON snapshot of the whole emulated project, for assertions and for `GET /_emulator/state`. */
import type { EmulatorContext } from './context';
import type { Device } from './store';
import { deviceView, homeView, memberView, userView } from './views';

function claimState(device: Device) {
  const until = device.claimableUntil;
  const claimable = until !== null && until >= Date.now();
  return { claimable, claimableUntil: claimable && Number.isFinite(until) ? new Date(until).toISOString() : null };
}

export function snapshot({ store, webhooks, faults, requestLog }: EmulatorContext) {
  const apiKeys = [...store.keys.values()];
  return structuredClone({
    projectId: store.projectId,
    projectKeys: apiKeys.filter((key) => key.kind === 'project'),
    userKeys: apiKeys.filter((key) => key.kind === 'user'),
    users: [...store.users.values()].map((user) => userView(store, user)),
    homes: [...store.homes.values()].map((home) => homeView(store, home)),
    members: [...store.homes.keys()].flatMap((homeId) => store.membersOf(homeId).map((m) => memberView(store, m))),
    devices: [...store.devices.values()].map((device) => ({
      ...deviceView(store, device),
      provisioning: device.provisioning,
      ...claimState(device),
    })),
    kv: Object.fromEntries([...store.kv].map(([homeId, pairs]) => [homeId, [...pairs.values()]])),
    webhooks: webhooks.list(),
    webhookDeliveries: webhooks.deliveries,
    fault: faults.current(),
    requests: requestLog.list(),
  });
}
