// MODE's objects as the API returns them. Each is validated on the way in, so a changed or broken
// answer fails loudly at the boundary; unknown extra fields MODE adds later are kept.
import { z } from 'zod';

export const modeUserSchema = z.looseObject({
  id: z.number(),
  projectId: z.number(),
  verified: z.boolean(),
  name: z.string(),
  creationTime: z.string(),
});
export type ModeUser = z.infer<typeof modeUserSchema>;

export const modeClientAuthSchema = z.looseObject({
  token: z.string().min(1),
  userId: z.number(),
});
export type ModeClientAuth = z.infer<typeof modeClientAuthSchema>;

export const modeAuthInfoSchema = z.looseObject({
  type: z.string(),
  projectId: z.number(),
  userId: z.number().optional(),
  deviceId: z.number().optional(),
});
export type ModeAuthInfo = z.infer<typeof modeAuthInfoSchema>;

export const modeUserSessionSchema = z.looseObject({
  userId: z.number(),
  projectId: z.number(),
  creationTime: z.string(),
});
export type ModeUserSession = z.infer<typeof modeUserSessionSchema>;

export const modeHomeSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  projectId: z.number(),
  timezone: z.string().optional(),
  creationTime: z.string(),
});
export type ModeHome = z.infer<typeof modeHomeSchema>;

export const modeHomeMemberSchema = z.looseObject({
  userId: z.number(),
  homeId: z.number(),
  name: z.string(),
  verified: z.boolean(),
  creationTime: z.string(),
  role: z.string().optional(),
});
export type ModeHomeMember = z.infer<typeof modeHomeMemberSchema>;

export const modeDeviceSchema = z.looseObject({
  id: z.number(),
  projectId: z.number(),
  homeId: z.number(),
  name: z.string(),
  tag: z.string(),
  deviceClass: z.string(),
  isConnected: z.boolean(),
  // A device that never connected has no meaningful last connect time.
  lastConnectTime: z.string().nullable(),
  firmwareVersion: z.string().optional(),
  claimCode: z.string().optional(),
  apiKey: z.string().optional(),
});
export type ModeDevice = z.infer<typeof modeDeviceSchema>;

export const modeKeyValueSchema = z.looseObject({
  key: z.string(),
  value: z.unknown(),
  modificationTime: z.string(),
});
export type ModeKeyValue = z.infer<typeof modeKeyValueSchema>;

export const modeSmartModuleSchema = z.looseObject({
  id: z.string(),
  description: z.string().optional(),
});
export type ModeSmartModule = z.infer<typeof modeSmartModuleSchema>;

export const modeProvisioningTokenSchema = z.looseObject({
  token: z.string().min(1),
  expirationTime: z.string().optional(),
});
export type ModeProvisioningToken = z.infer<typeof modeProvisioningTokenSchema>;

/** What the bridge sends; MODE never returns these, so they are plain types. */
export interface ModeDeviceCommand {
  action: string;
  parameters?: Record<string, unknown>;
}

export interface ModeEvent {
  eventType: string;
  eventData?: Record<string, unknown>;
}

export interface ModeUserPatch {
  name?: string;
}

export interface ModeHomeInput {
  name: string;
  timezone?: string;
}

export type ModeHomePatch = Partial<ModeHomeInput>;

export interface ModeDevicePatch {
  name?: string;
  tag?: string;
}

export interface ModeProvisioningRequest {
  deviceClass: string;
  deviceTag?: string;
}

/** A pre-provisioned device is claimed into a home; an on-demand one presents its token. */
export type ModeAddDevice = { homeId: number; claimCode: string } | { token: string };
