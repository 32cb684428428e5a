import { z } from 'zod';
import type { ModeDevice } from '../../mode';
import { ModeId } from '../homes/homes.schemas';

export const DeviceParams = z.object({ deviceId: ModeId });

export const ClaimDeviceBody = z.object({ claimCode: z.string().trim().min(1).max(200) }).strict().openapi('ClaimDeviceRequest');

export const UpdateDeviceBody = z
  .object({ name: z.string().trim().max(200).optional(), tag: z.string().max(1000).optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.tag !== undefined, 'name or tag is required')
  .openapi('UpdateDeviceRequest');

export const CommandBody = z
  .object({
    action: z.string().min(1).max(100),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .openapi('DeviceCommand');

/** The public device: MODE's fields without its secrets (`apiKey`, `claimCode`). Listed, so a new secret field never leaks. */
export const DeviceView = z
  .object({
    id: z.number().int(),
    projectId: z.number().int(),
    homeId: z.number().int(),
    name: z.string(),
    tag: z.string(),
    deviceClass: z.string(),
    isConnected: z.boolean(),
    lastConnectTime: z.string().nullable(),
    firmwareVersion: z.string().optional(),
  })
  .openapi('Device');
export type DeviceView = z.infer<typeof DeviceView>;

export function toDeviceView(device: ModeDevice): DeviceView {
  const { id, projectId, homeId, name, tag, deviceClass, isConnected, lastConnectTime, firmwareVersion } = device;
  return { id, projectId, homeId, name, tag, deviceClass, isConnected, lastConnectTime, ...(firmwareVersion === undefined ? {} : { firmwareVersion }) };
}
