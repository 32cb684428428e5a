import { z } from 'zod';
import '../../http/openapi';
import type { DeviceState } from './device-state.repository';
import { DeviceView } from './devices.schemas';

// Device state as apps read it: per event type, the device's latest event, from the bridge's
// own database (MODE keeps no state for BYOU projects).

export const LatestValueView = z
  .object({
    eventData: z.unknown(),
    timestamp: z.string().openapi({ description: "MODE's timestamp of the event (ISO 8601)" }),
    eventId: z.string().openapi({ description: 'ID of the event in the history (which retention may have deleted since)' }),
  })
  .openapi('LatestValue');
export type LatestValueView = z.infer<typeof LatestValueView>;

export const DeviceStateView = z
  .object({
    deviceId: z.number().int(),
    homeId: z.number().int(),
    lastSeenAt: z.string().nullable().openapi({ description: "MODE's timestamp of the device's newest event; null before any" }),
    latest: z.record(z.string(), LatestValueView).openapi({ description: 'Per event type, its latest event; `{}` before any event' }),
  })
  .openapi('DeviceState');
export type DeviceStateView = z.infer<typeof DeviceStateView>;

export const DeviceWithStateView = DeviceView.extend({ state: DeviceStateView.optional().openapi({ description: 'With `?include=state`' }) }).openapi('DeviceWithState');
export type DeviceWithStateView = z.infer<typeof DeviceWithStateView>;

export function toDeviceStateView(state: DeviceState): DeviceStateView {
  const latest = Object.entries(state.latest).map(([eventType, value]) => [eventType, { eventData: value.eventData, timestamp: value.timestamp.toISOString(), eventId: value.eventId }] as const);
  return { deviceId: state.deviceId, homeId: state.homeId, lastSeenAt: state.lastSeenAt?.toISOString() ?? null, latest: Object.fromEntries(latest) };
}

export const DeviceListQuery = z.object({
  include: z.enum(['state']).optional().openapi({ description: '`state`: each device also carries its state, from the bridge' }),
});

/** The `device-state` message of the event stream: one type's new latest value. */
export const DeviceStateChange = LatestValueView.extend({
  deviceId: z.number().int(),
  homeId: z.number().int(),
  eventType: z.string(),
}).openapi('DeviceStateChange');
export type DeviceStateChange = z.infer<typeof DeviceStateChange>;
