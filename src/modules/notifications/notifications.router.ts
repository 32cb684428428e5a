import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import type { NotificationsService } from './notifications.service';
import { InboxPage, InboxQuery, NotificationParams, PreferencesBody, PreferencesView } from './notifications.schemas';

export function registerNotificationRoutes(api: ApiRouter, notifications: NotificationsService): void {
  const common = { tags: ['notifications'], access: 'user' as const, scope: 'notifications:read' as const };

  api.route(
    {
      ...common,
      method: 'get',
      path: '/v1/notifications',
      summary: 'Your in-app notifications, newest first',
      query: InboxQuery,
      responses: { 200: { description: 'One page; `nextCursor` is null on the last one', schema: InboxPage } },
    },
    async ({ query }, req, res) => {
      res.json(await notifications.inbox(principalOf(req).userId, query));
    },
  );

  api.route(
    {
      ...common,
      method: 'post',
      path: '/v1/notifications/:id/read',
      summary: 'Mark one of your notifications as read',
      params: NotificationParams,
      responses: { 204: { description: 'Read (also when it was read already)' }, 404: { description: 'Not one of your notifications' } },
    },
    async ({ params }, req, res) => {
      await notifications.markRead(principalOf(req).userId, params.id);
      res.status(204).end();
    },
  );

  api.route(
    {
      ...common,
      method: 'get',
      path: '/v1/notifications/preferences',
      summary: 'Which event types reach you through which channels',
      responses: { 200: { description: 'Your rows, the defaults and the configured channels', schema: PreferencesView } },
    },
    async (_input, req, res) => {
      res.json(await notifications.preferences(principalOf(req).userId));
    },
  );

  api.route(
    {
      ...common,
      method: 'put',
      path: '/v1/notifications/preferences',
      summary: 'Replace your notification preferences',
      body: PreferencesBody,
      responses: { 200: { description: 'The preferences now in force', schema: PreferencesView } },
    },
    async ({ body }, req, res) => {
      res.json(await notifications.replacePreferences(principalOf(req).userId, body));
    },
  );
}
