import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import type { EventsService } from './events.service';
import { EventHistoryQuery, EventPage, HomeParams } from './events.schemas';

export function registerEventRoutes(api: ApiRouter, events: EventsService): void {
  api.route(
    {
      method: 'get',
      path: '/v1/homes/:homeId/events',
      summary: "A home's stored events, newest first, a page at a time",
      tags: ['events'],
      access: 'user',
      scope: 'events:read',
      params: HomeParams,
      query: EventHistoryQuery,
      responses: {
        200: { description: 'One page; `nextCursor` is null on the last one', schema: EventPage },
        404: { description: 'No such home, or the caller is not a member' },
      },
    },
    async ({ params, query }, req, res) => {
      res.json(await events.history(principalOf(req).userId, params.homeId, query));
    },
  );
}
