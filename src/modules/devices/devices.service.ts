import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { ModeForbiddenError, ModeNotFoundError, type ModeClient, type ModeDevice, type ModeDevicePatch } from '../../mode';
import type { AuditRepository } from '../audit/audit.repository';
import { hasRight, type HomeAccess, type HomeRight } from '../homes/home-access';
import type { HomeRole } from '../homes/memberships.repository';
import type { LinkingService } from '../linking/linking.service';
import type { CommandPolicy, DeviceCommand } from '../policy/command-policy';
import type { DeviceStateRepository } from './device-state.repository';
import { toDeviceStateView, type DeviceStateView, type DeviceWithStateView } from './device-state.schemas';
import type { DevicesRepository } from './devices.repository';
import { toDeviceView, type DeviceView } from './devices.schemas';

// Devices, acted on in MODE with the caller's key once the bridge knows the device's home and
// the caller belongs to it. Commands must also pass the command policy before MODE is called.

export class CommandNotAllowedError extends AppError {
  constructor(message: string, details?: { field: string; message: string }[]) {
    super(403, 'command_not_allowed', message, details);
  }
}

interface LocatedDevice {
  homeId: number;
  deviceClass: string;
  role: HomeRole;
  /** The device as MODE just returned it, when locating it needed MODE. */
  fetched?: ModeDevice;
}

const located = (device: ModeDevice) => ({ id: device.id, homeId: device.homeId, deviceClass: device.deviceClass });
const deviceNotFound = () => new NotFoundError('Device not found');

export class DevicesService {
  constructor(
    private readonly mode: ModeClient,
    private readonly linking: LinkingService,
    private readonly access: HomeAccess,
    private readonly devices: DevicesRepository,
    private readonly policy: CommandPolicy,
    private readonly audit: AuditRepository,
    private readonly states: DeviceStateRepository,
  ) {}

  /** The home's devices as MODE lists them; with `includeState`, each with its state from the bridge. */
  async listInHome(userId: string, homeId: number, options: { includeState?: boolean } = {}): Promise<DeviceWithStateView[]> {
    await this.access.requireMember(userId, homeId);
    const devices = await this.linking.withUserKey(userId, (key) => this.mode.listDevices(key, homeId));
    await this.devices.remember(devices.map(located));
    if (!options.includeState) return devices.map(toDeviceView);
    const states = await this.states.inHome(homeId, devices.map((device) => device.id));
    return devices.map((device) => {
      const state = states.get(device.id);
      return { ...toDeviceView(device), ...(state ? { state: toDeviceStateView(state) } : {}) };
    });
  }

  /** What the webhook stored of the device: its latest event of each type. Members of its home only. */
  async state(userId: string, deviceId: number): Promise<DeviceStateView> {
    const { homeId } = await this.locate(userId, deviceId);
    const state = (await this.states.inHome(homeId, [deviceId])).get(deviceId);
    return toDeviceStateView(state ?? { deviceId, homeId, lastSeenAt: null, latest: {} });
  }

  async claim(userId: string, homeId: number, claimCode: string): Promise<DeviceView> {
    await this.access.requireRight(userId, homeId, 'devices.claim');
    const device = await this.linking
      .withUserKey(userId, (key) => this.mode.addDevice(key, { homeId, claimCode }))
      .catch((error: unknown) => {
        // The caller is a member, so MODE's refusal is about the code (unknown, or the device is not claimable now).
        if (error instanceof ModeForbiddenError) throw new ValidationError([{ field: 'body.claimCode', message: 'no device can be claimed with this code now' }], 'The device cannot be claimed');
        throw error;
      });
    await this.devices.remember([located(device)]);
    return toDeviceView(device);
  }

  async get(userId: string, deviceId: number): Promise<DeviceView> {
    const device = await this.locate(userId, deviceId);
    const fresh = device.fetched ?? (await this.onDevice(userId, deviceId, (key) => this.mode.getDevice(key, deviceId)));
    if (!device.fetched) await this.devices.remember([located(fresh)]);
    return toDeviceView(fresh);
  }

  async update(userId: string, deviceId: number, patch: ModeDevicePatch): Promise<void> {
    await this.locateWithRight(userId, deviceId, 'devices.update');
    await this.onDevice(userId, deviceId, (key) => this.mode.updateDevice(key, deviceId, patch));
  }

  async delete(userId: string, deviceId: number): Promise<void> {
    await this.locateWithRight(userId, deviceId, 'devices.delete');
    await this.onDevice(userId, deviceId, (key) => this.mode.deleteDevice(key, deviceId));
    await this.devices.remove(deviceId);
  }

  /** Sends the command only when the policy allows it for the device class and the caller's role. */
  async sendCommand(userId: string, deviceId: number, command: DeviceCommand): Promise<void> {
    const device = await this.locate(userId, deviceId);
    const decision = this.policy.check(device.deviceClass, device.role, command);
    if (!decision.allowed) {
      await this.audit.record({ actorType: 'user', actorId: userId, action: 'device.command', targetType: 'device', targetId: String(deviceId), result: 'denied', details: { action: command.action, deviceClass: device.deviceClass } });
      throw new CommandNotAllowedError(decision.message, decision.details);
    }
    await this.onDevice(userId, deviceId, (key) => this.mode.sendCommand(key, deviceId, command));
  }

  private async locateWithRight(userId: string, deviceId: number, right: HomeRight): Promise<LocatedDevice> {
    const device = await this.locate(userId, deviceId);
    if (!hasRight(device.role, right)) throw new ForbiddenError(`Your role in this home (${device.role}) does not allow this`);
    return device;
  }

  /** The device's home, class and the caller's role there; 404 for a device outside the caller's homes. */
  private async locate(userId: string, deviceId: number): Promise<LocatedDevice> {
    const known = await this.devices.find(deviceId);
    if (known?.homeId && known.deviceClass) {
      return { homeId: known.homeId, deviceClass: known.deviceClass, role: await this.roleIn(userId, known.homeId) };
    }
    // Unknown to the bridge: MODE, asked with the caller's key, shows only devices of the caller's homes.
    const device = await this.onDevice(userId, deviceId, (key) => this.mode.getDevice(key, deviceId));
    await this.devices.remember([located(device)]);
    return { homeId: device.homeId, deviceClass: device.deviceClass, role: await this.roleIn(userId, device.homeId), fetched: device };
  }

  private async roleIn(userId: string, homeId: number): Promise<HomeRole> {
    try {
      return (await this.access.requireMember(userId, homeId)).role;
    } catch (error) {
      throw error instanceof NotFoundError ? deviceNotFound() : error;
    }
  }

  /** A MODE call about one device; when MODE no longer knows it, neither does the bridge. */
  private async onDevice<T>(userId: string, deviceId: number, call: (key: string) => Promise<T>): Promise<T> {
    try {
      return await this.linking.withUserKey(userId, call);
    } catch (error) {
      if (!(error instanceof ModeNotFoundError)) throw error;
      await this.devices.forget(deviceId);
      throw deviceNotFound();
    }
  }
}
