/**
 * Ways a real MODE may differ from the emulator's defaults, switchable by tests so the bridge is
 * proven against them: MODE paging every list by a small page size, and members carrying the
 * `homeId` extension older emulators added (MODE's own member has none).
 */
import { z } from 'zod';

export interface EmulatorModes {
  /** Largest page any list answers (with `vnd.tinkermode.range`); null: only `GET /homes` pages, as asked. */
  pageSize: number | null;
  /** Add `homeId` to member objects (not MODE's shape; for clients written against it). */
  memberHomeId: boolean;
}

export const defaultModes: EmulatorModes = { pageSize: null, memberHomeId: false };

export const modesSchema = z
  .object({ pageSize: z.number().int().min(1).max(10_000).nullable(), memberHomeId: z.boolean() })
  .partial()
  .strict();

/** Applies a partial change in place (the routes hold this object) and returns the result. */
export function applyModes(modes: EmulatorModes, change: Partial<EmulatorModes>): EmulatorModes {
  Object.assign(modes, modesSchema.parse(change));
  return { ...modes };
}
