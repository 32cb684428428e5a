import type { Request } from 'express';
import { z } from 'zod';
import type { ApiRouter } from '../../http/route';
import { principalOf } from './guards';
import type { SessionCaller, SessionsService } from './sessions.service';

// The signed-in user's sessions (one per refresh-token family): list, end one, end all.

export const SessionView = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable().openapi({ description: 'The address the session was last used from' }),
    current: z.boolean().openapi({ description: 'The session of the access token of this request' }),
  })
  .openapi('SessionInfo');

const SessionParams = z.object({ id: z.uuid() });

function callerOf(req: Request): SessionCaller {
  const principal = principalOf(req);
  return { userId: principal.userId, sessionId: principal.kind === 'user' ? principal.sessionId : undefined, ip: req.ip };
}

export function registerSessionRoutes(api: ApiRouter, sessions: SessionsService): void {
  const tags = ['accounts'];

  api.route(
    { method: 'get', path: '/v1/me/sessions', summary: 'The sessions of the signed-in user', tags, access: 'user', responses: { 200: { description: 'Sessions that can still refresh, most recently used first', schema: z.array(SessionView) } } },
    async (_input, req, res) => void res.json(await sessions.list(callerOf(req))),
  );

  api.route(
    {
      method: 'delete',
      path: '/v1/me/sessions/:id',
      summary: 'End one session',
      tags,
      access: 'user',
      params: SessionParams,
      responses: { 204: { description: "The session's refresh tokens stop working at once" }, 404: { description: 'No such session of this user' } },
    },
    async ({ params }, req, res) => {
      await sessions.end(callerOf(req), params.id);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'post', path: '/v1/auth/logout-all', summary: 'End every session of the signed-in user', tags, access: 'user', responses: { 204: { description: 'Every refresh token of the user stops working' } } },
    async (_input, req, res) => {
      await sessions.endAll(callerOf(req));
      res.status(204).end();
    },
  );
}
