/** The emulator's control surface: what a test does to the cloud that no MODE API call can do. */
import { z } from 'zod';
import type { EmulatorContext } from './context';
import { ModeError } from './errors';
import { deviceEvent } from './events';
import { applyModes } from './modes';
import { snapshot } from './state';
import type { EmulatorControl, WebhookConfig } from './types';

export const webhookSchema = z.object({ url: z.url({ protocol: /^https?$/ }), key: z.string().min(1) });

function unknownDevice(deviceId: number): ModeError {
  return new ModeError(404, 'RESOURCE_NOT_FOUND', `no device ${deviceId} in the emulator`);
}

export function createControl(ctx: EmulatorContext): EmulatorControl {
  const { store, webhooks, faults, requestLog, sockets } = ctx;

  function deviceById(deviceId: number) {
    const device = store.devices.get(deviceId);
    if (!device) throw unknownDevice(deviceId);
    return device;
  }

  return {
    createProjectKey: ({ byou, canSendEvents }) => store.addProjectKey({ byou, canSendEvents: canSendEvents ?? false }),

    provisionDevice: ({ deviceClass, name, tag }) => {
      if (!deviceClass) throw new ModeError(400, 'INVALID_INPUT', 'deviceClass is required');
      const device = store.addDevice({ homeId: 0, deviceClass, name, tag, provisioning: 'pre' });
      return { id: device.id, claimCode: device.claimCode, apiKey: device.apiKey };
    },

    setClaimable: (deviceId, claimable) => {
      deviceById(deviceId).claimableUntil = claimable ? 'unlimited' : null;
    },

    /** Resolves once the Webhooks Smart Module has delivered the event (or given up). */
    emitDeviceEvent: async (deviceId, event) => {
      const propagated = deviceEvent(deviceById(deviceId), event);
      if (propagated) await webhooks.deliver(propagated);
    },

    revokeUserKeys: (userId) => store.revokeUserKeys(userId),

    setWebhooks: (hooks: WebhookConfig[]) => webhooks.setHooks(z.array(webhookSchema).parse(hooks)),

    setFault: (fault) => faults.set(fault),

    setModes: (change) => applyModes(ctx.modes, change),

    getModes: () => ({ ...ctx.modes }),

    getState: () => snapshot(ctx),

    requests: () => requestLog.list(),

    /** Forgets all data, the request log and the fault; project keys, webhooks and modes stay. */
    reset: () => {
      sockets.disconnectAll();
      store.clear();
      requestLog.clear();
      faults.set(null);
      webhooks.deliveries.length = 0;
    },
  };
}
