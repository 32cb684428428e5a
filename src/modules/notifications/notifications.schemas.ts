import { z } from 'zod';
import '../../http/openapi';

export const NotificationView = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: '`event` for device events; other kinds come from the bridge (e.g. `invitation`)' }),
    title: z.string(),
    body: z.string(),
    data: z.unknown(),
    eventId: z.string().nullable(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');
export type NotificationView = z.infer<typeof NotificationView>;

export const InboxQuery = z.object({
  unread: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
});
export type InboxQuery = z.infer<typeof InboxQuery>;

export const InboxPage = z
  .object({ notifications: z.array(NotificationView), nextCursor: z.string().nullable() })
  .openapi('NotificationPage');

export const NotificationParams = z.object({ id: z.string().max(100) });

export const PreferenceView = z
  .object({
    eventType: z.string().min(1).max(200).openapi({ description: 'An event type or notification kind, or `*` for all others' }),
    inbox: z.boolean(),
    email: z.boolean(),
    webhook: z.boolean(),
  })
  .openapi('NotificationPreference');

export const PreferencesBody = z
  .object({
    preferences: z
      .array(PreferenceView.partial({ inbox: true, email: true, webhook: true }).strict())
      .max(100)
      .refine((list) => new Set(list.map((p) => p.eventType)).size === list.length, 'each eventType at most once'),
  })
  .strict()
  .openapi('NotificationPreferencesRequest');
export type PreferencesBody = z.infer<typeof PreferencesBody>;

export const PreferencesView = z
  .object({
    preferences: z.array(PreferenceView),
    defaults: PreferenceView.omit({ eventType: true }).openapi({ description: 'What applies without a matching row' }),
    channels: z
      .object({ inbox: z.boolean(), email: z.boolean(), webhook: z.boolean() })
      .openapi({ description: 'Channels this deployment has configured' }),
  })
  .openapi('NotificationPreferences');
