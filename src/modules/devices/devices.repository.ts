import { boundedCache } from '../../lib/bounded-cache';
import type { PrismaClient } from '../../db/database';

/** What the bridge remembers of a device to authorize calls on it: its home and class. */
export interface KnownDevice {
  id: number;
  homeId: number | null;
  deviceClass: string | null;
}

// Where a device is gets read on every device call; it changes only through the calls below
// (or, elsewhere, within the TTL, with MODE refusing calls on a device that moved away).
const DEVICE_CACHE_TTL_MS = 30_000;

export class DevicesRepository {
  private readonly known = boundedCache<number, KnownDevice>({ max: 100_000, ttlMs: DEVICE_CACHE_TTL_MS });

  constructor(private readonly prisma: PrismaClient) {}

  async find(deviceId: number): Promise<KnownDevice | null> {
    const cached = this.known.get(deviceId);
    if (cached) return cached;
    const device = await this.prisma.device.findUnique({ where: { id: deviceId }, select: { id: true, homeId: true, deviceClass: true } });
    if (device?.homeId != null) this.known.set(deviceId, device);
    return device;
  }

  /** Records where devices are, as MODE just reported them (other columns, such as the last event, are kept). */
  async remember(devices: { id: number; homeId: number; deviceClass: string }[]): Promise<void> {
    if (devices.length === 0) return;
    for (const { id } of devices) this.known.delete(id);
    await this.prisma.$transaction(
      devices.map(({ id, homeId, deviceClass }) =>
        this.prisma.device.upsert({ where: { id }, create: { id, homeId, deviceClass }, update: { homeId, deviceClass } }),
      ),
    );
  }

  /** The device left its home; the next call about it asks MODE where it is. */
  async forget(deviceId: number): Promise<void> {
    this.known.delete(deviceId);
    await this.prisma.device.updateMany({ where: { id: deviceId }, data: { homeId: null } });
  }

  /** The device was deleted: where it was and its state (latest values) go together. */
  async remove(deviceId: number): Promise<void> {
    this.known.delete(deviceId);
    // Latest values before the device row: the order the webhook's statement takes their locks in.
    await this.prisma.$transaction([
      this.prisma.deviceLatestEvent.deleteMany({ where: { deviceId } }),
      this.prisma.device.updateMany({ where: { id: deviceId }, data: { homeId: null } }),
    ]);
  }

  /** The home was deleted: its devices' locations and the state they had there go together. */
  async forgetHome(homeId: number): Promise<void> {
    for (const [id, device] of this.known.entries()) if (device.homeId === homeId) this.known.delete(id);
    await this.prisma.$transaction([
      this.prisma.deviceLatestEvent.deleteMany({ where: { homeId } }),
      this.prisma.device.updateMany({ where: { homeId }, data: { homeId: null } }),
    ]);
  }
}
