import { z } from 'zod';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import type { StreamHub } from './stream.hub';

// GET /v1/events/stream: Server-Sent Events of every home the caller belongs to. MODE's own event
// WebSocket is not open to BYOU projects, so this is the apps' live channel.

const EventId = z.string().regex(/^\d{1,19}$/);

const StreamQuery = z.object({
  lastEventId: EventId.optional().openapi({ description: 'Same as the Last-Event-ID header, for clients that cannot set headers' }),
});

export function registerStreamRoutes(api: ApiRouter, hub: StreamHub): void {
  api.route(
    {
      method: 'get',
      path: '/v1/events/stream',
      summary: 'Live events of all your homes (Server-Sent Events); resume with Last-Event-ID',
      tags: ['events'],
      access: 'user',
      scope: 'events:read',
      query: StreamQuery,
      headers: z.object({
        'Last-Event-ID': EventId.optional().openapi({ description: 'The last event ID received: the stored events after it are sent first (a malformed one is ignored)' }),
      }),
      responses: {
        200: {
          description:
            'A `text/event-stream`: each event as `id: <event id>` and `data: <Event JSON>`; when an event becomes its device\'s latest value of its type, ' +
            'also `event: device-state` and `data: <DeviceStateChange JSON>` (no `id:`); a `: heartbeat` comment every 15 s; ' +
            'after a reconnect with Last-Event-ID, the stored events missed since that ID come first',
          schema: z.string(),
          contentType: 'text/event-stream',
        },
        429: { description: '`rate_limited`: too many streams of this user are open' },
      },
    },
    async ({ query }, req, res) => {
      const header = EventId.safeParse(req.get('last-event-id')?.trim());
      await hub.open(principalOf(req).userId, res, header.success ? header.data : query.lastEventId);
    },
  );
}
