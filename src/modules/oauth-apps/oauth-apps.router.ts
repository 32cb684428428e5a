import { z } from 'zod';
import type { Request } from 'express';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import { CreatedOAuthApp, CreateOAuthAppBody, LinkedApp, LinkedAppParams, OAuthAppParams, OAuthAppView } from './oauth-apps.schemas';
import type { Actor, OAuthAppsService } from './oauth-apps.service';

const actorOf = (req: Request): Actor => ({ userId: principalOf(req).userId, ip: req.ip });

export function registerOAuthAppRoutes(api: ApiRouter, apps: OAuthAppsService): void {
  const tags = ['third-party apps'];

  api.route(
    { method: 'post', path: '/v1/admin/oauth-apps', summary: 'Register a third-party app (OAuth 2.0 authorization code); its secret is shown only in this answer', tags, access: 'admin', body: CreateOAuthAppBody, responses: { 201: { description: 'The app with its client secret', schema: CreatedOAuthApp } } },
    async ({ body }, req, res) => void res.status(201).json(await apps.create(body, actorOf(req))),
  );

  api.route(
    { method: 'get', path: '/v1/admin/oauth-apps', summary: 'Every registered third-party app (never a secret)', tags, access: 'admin', responses: { 200: { description: 'The apps, oldest first', schema: z.array(OAuthAppView) } } },
    async (_input, _req, res) => void res.json(await apps.list()),
  );

  api.route(
    { method: 'delete', path: '/v1/admin/oauth-apps/:id', summary: "Delete a third-party app; every user's link to it and its tokens end at once", tags, access: 'admin', params: OAuthAppParams, responses: { 204: { description: 'Deleted' }, 404: { description: 'No such app', schema: ErrorBody } } },
    async ({ params }, req, res) => {
      await apps.delete(params.id, actorOf(req));
      res.status(204).end();
    },
  );

  api.route(
    { method: 'get', path: '/v1/me/apps', summary: 'The third-party apps the signed-in user has linked', tags, access: 'user', responses: { 200: { description: 'The linked apps with the scopes granted', schema: z.array(LinkedApp) } } },
    async (_input, req, res) => void res.json(await apps.linkedApps(principalOf(req).userId)),
  );

  api.route(
    { method: 'delete', path: '/v1/me/apps/:clientId', summary: "Unlink a third-party app; every one of its tokens for this user stops working", tags, access: 'user', params: LinkedAppParams, responses: { 204: { description: 'Unlinked' }, 404: { description: 'The app is not linked', schema: ErrorBody } } },
    async ({ params }, req, res) => {
      await apps.unlink(principalOf(req).userId, params.clientId, req.ip);
      res.status(204).end();
    },
  );
}
