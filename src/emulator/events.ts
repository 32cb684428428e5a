/** Events as MODE propagates them: from a device, or sent to a home with a project key. */
import type { Device } from './store';
import type { DeviceEventInput } from './types';
import type { ModeEvent } from './webhooks';

/** A device that belongs to no home has nobody to tell, so its events go nowhere. */
export function deviceEvent(device: Device, input: DeviceEventInput, originIp?: string): ModeEvent | null {
  if (device.homeId === 0) return null;
  return {
    homeId: device.homeId,
    timestamp: new Date().toISOString(),
    eventType: input.eventType,
    eventData: input.eventData ?? {},
    originDeviceId: device.id,
    originDeviceClass: device.deviceClass,
    ...(originIp ? { originDeviceIp: originIp } : {}),
  };
}

/** Events sent with a project key come from no device: their originDeviceId is 0. */
export function homeEvent(homeId: number, input: DeviceEventInput): ModeEvent {
  return {
    homeId,
    timestamp: new Date().toISOString(),
    eventType: input.eventType,
    eventData: input.eventData ?? {},
    originDeviceId: 0,
  };
}

export function clientIp(address: string | undefined): string | undefined {
  return address?.replace(/^::ffff:/, '');
}
