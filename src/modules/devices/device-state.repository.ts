import type { PrismaClient } from '../../db/database';

// Reads what the webhook wrote of devices' state (src/modules/events/latest-events.sql.ts writes it).

export interface LatestValue {
  eventData: unknown;
  timestamp: Date;
  eventId: string;
}

export interface DeviceState {
  deviceId: number;
  homeId: number;
  lastSeenAt: Date | null;
  /** Per event type; built with Object.fromEntries, so a type named `__proto__` is a plain key. */
  latest: Record<string, LatestValue>;
}

export class DeviceStateRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The state of each of these devices as a device of this home: values that came from another
   * home (before the device moved) are not shown. A device without any has `latest` `{}`.
   */
  async inHome(homeId: number, deviceIds: number[]): Promise<Map<number, DeviceState>> {
    if (deviceIds.length === 0) return new Map();
    const [devices, values] = await Promise.all([
      this.prisma.device.findMany({ where: { id: { in: deviceIds }, homeId }, select: { id: true, lastSeenAt: true } }),
      this.prisma.deviceLatestEvent.findMany({ where: { homeId, deviceId: { in: deviceIds } }, orderBy: [{ deviceId: 'asc' }, { eventType: 'asc' }] }),
    ]);
    const lastSeen = new Map(devices.map((device) => [device.id, device.lastSeenAt]));
    const byDevice = new Map<number, [string, LatestValue][]>();
    for (const value of values) {
      const entries = byDevice.get(value.deviceId) ?? [];
      entries.push([value.eventType, { eventData: value.eventData, timestamp: value.timestamp, eventId: value.eventId.toString() }]);
      byDevice.set(value.deviceId, entries);
    }
    return new Map(
      deviceIds.map((deviceId) => [deviceId, { deviceId, homeId, lastSeenAt: lastSeen.get(deviceId) ?? null, latest: Object.fromEntries(byDevice.get(deviceId) ?? []) }]),
    );
  }
}
