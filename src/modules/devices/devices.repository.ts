import type { PrismaClient } from '../../db/database';

/** What the bridge remembers of a device to authorize calls on it: its home and class. */
export interface KnownDevice {
  id: number;
  homeId: number | null;
  deviceClass: string | null;
}

export class DevicesRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(deviceId: number): Promise<KnownDevice | null> {
    return this.prisma.device.findUnique({ where: { id: deviceId }, select: { id: true, homeId: true, deviceClass: true } });
  }

  /** Records where devices are, as MODE just reported them (other columns, such as the last event, are kept). */
  async remember(devices: { id: number; homeId: number; deviceClass: string }[]): Promise<void> {
    if (devices.length === 0) return;
    await this.prisma.$transaction(
      devices.map(({ id, homeId, deviceClass }) =>
        this.prisma.device.upsert({ where: { id }, create: { id, homeId, deviceClass }, update: { homeId, deviceClass } }),
      ),
    );
  }

  /** The device left its home; the next call about it asks MODE where it is. */
  async forget(deviceId: number): Promise<void> {
    await this.prisma.device.updateMany({ where: { id: deviceId }, data: { homeId: null } });
  }

  async forgetHome(homeId: number): Promise<void> {
    await this.prisma.device.updateMany({ where: { homeId }, data: { homeId: null } });
  }
}
