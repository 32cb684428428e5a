import { z } from 'zod';
import '../../http/openapi';
import { isStorableDate } from '../../lib/bounds';

// MODE's Event as its Webhooks Smart Module posts it, and the event as the bridge shows it.

const INT32_MAX = 2_147_483_647;

const storableDateTime = z.iso.datetime({ offset: true }).refine((text) => isStorableDate(new Date(text)), 'must be a time between the years 1 and 9999');

export const ModeEventBody = z
  .looseObject({
    homeId: z.number().int().positive().max(INT32_MAX),
    timestamp: storableDateTime,
    eventType: z.string().min(1).max(200),
    eventData: z.unknown().optional(),
    /** 0 for events sent to a home with a project key (no device). */
    originDeviceId: z.number().int().min(0).max(INT32_MAX),
    originDeviceClass: z.string().max(200).optional(),
  })
  .openapi('ModeEvent', { description: "MODE's Event JSON, signed with X-Mode-Signature" });
export type ModeEventBody = z.infer<typeof ModeEventBody>;

export const WebhookAnswer = z.object({ id: z.string(), duplicate: z.boolean() }).openapi('WebhookAnswer');

export const EventView = z
  .object({
    id: z.string().openapi({ description: 'Increasing ID of the stored event; the SSE `id:`' }),
    homeId: z.number().int(),
    deviceId: z.number().int().nullable(),
    deviceClass: z.string().nullable(),
    eventType: z.string(),
    eventData: z.unknown(),
    timestamp: z.string().openapi({ description: "MODE's timestamp (ISO 8601)" }),
    receivedAt: z.string(),
  })
  .openapi('Event');
export type EventView = z.infer<typeof EventView>;

export const EventHistoryQuery = z.object({
  eventType: z.string().min(1).max(200).optional(),
  since: storableDateTime.optional().openapi({ description: 'Only events at or after this time (years 1 to 9999)' }),
  until: storableDateTime.optional().openapi({ description: 'Only events before this time (years 1 to 9999)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
});
export type EventHistoryQuery = z.infer<typeof EventHistoryQuery>;

export const EventPage = z.object({ events: z.array(EventView), nextCursor: z.string().nullable() }).openapi('EventPage');

/** A MODE home ID in a path: a positive integer within MODE's (and the database's) 32 bits. */
export const HomeParams = z.object({
  homeId: z
    .string()
    .regex(/^\d{1,10}$/, 'must be a positive integer')
    .transform(Number)
    .refine((id) => id >= 1 && id <= INT32_MAX, 'must be a positive integer')
    .openapi({ type: 'integer', example: 1234 }),
});
