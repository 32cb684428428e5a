// MODE's objects as the API returns them, after MODE's own published models (mode-client-facts.md).
// A field the bridge reads is required, so an answer without it fails loudly at the boundary (502);
// any other field is optional, and fields MODE adds later are kept, so neither breaks a call.
import { z } from 'zod';

/** A time MODE may leave out or send as null (a device never claimed, never disconnected). */
const optionalTime = z.string().nullable().optional();

export const modeUserSchema = z.looseObject({
  id: z.number(),
  projectId: z.number().optional(),
  verified: z.boolean().optional(),
  name: z.string().optional(),
  creationTime: z.string().optional(),
  // Only projects with MODE's own accounts have these; BYOU users have neither.
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
});
export type ModeUser = z.infer<typeof modeUserSchema>;

export const modeClientAuthSchema = z.looseObject({
  token: z.string().min(1),
  userId: z.number(),
});
export type ModeClientAuth = z.infer<typeof modeClientAuthSchema>;

export const modeAuthInfoSchema = z.looseObject({
  type: z.string(),
  projectId: z.number().optional(),
  userId: z.number().optional(),
  deviceId: z.number().optional(),
});
export type ModeAuthInfo = z.infer<typeof modeAuthInfoSchema>;

export const modeUserSessionSchema = z.looseObject({
  userId: z.number(),
  projectId: z.number().optional(),
  creationTime: z.string().optional(),
});
export type ModeUserSession = z.infer<typeof modeUserSessionSchema>;

// The bridge's Home view shows id, name, projectId and creationTime; `timezone` is not in MODE's model.
export const modeHomeSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  projectId: z.number(),
  timezone: z.string().optional(),
  creationTime: z.string(),
  deactivated: z.boolean().optional(),
});
export type ModeHome = z.infer<typeof modeHomeSchema>;

// MODE's member carries no `homeId`: the caller knows which home it asked about.
export const modeHomeMemberSchema = z.looseObject({
  userId: z.number(),
  name: z.string(),
  verified: z.boolean(),
  creationTime: z.string(),
  role: z.string().optional(),
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
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
  // A device that never connected has no meaningful last connect time: null, or left out.
  lastConnectTime: z.string().nullable().optional().transform((time) => time ?? null),
  lastDisconnectTime: optionalTime,
  claimTime: optionalTime,
  claimExpirationTime: optionalTime,
  channel: z.string().optional(),
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
  moduleType: z.string().optional(),
  suspended: z.boolean().optional(),
  version: z.union([z.number(), z.string()]).optional(),
  creationTime: z.string().optional(),
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
