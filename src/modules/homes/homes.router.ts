import { z } from 'zod';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import { CreateHomeBody, HomeParams, HomeView, UpdateHomeBody, upstreamResponses } from './homes.schemas';
import type { HomesService } from './homes.service';

export function registerHomeRoutes(api: ApiRouter, homes: HomesService): void {
  const tags = ['homes'];
  const notFound = { description: 'No such home among yours', schema: ErrorBody };

  api.route(
    { method: 'get', path: '/v1/homes', summary: "The caller's homes", tags, access: 'user', scope: 'homes:read', responses: { ...upstreamResponses, 200: { description: 'Homes', schema: z.array(HomeView) } } },
    async (_input, req, res) => void res.json(await homes.list(principalOf(req).userId)),
  );

  api.route(
    { method: 'post', path: '/v1/homes', summary: 'Create a home; the caller becomes its owner', tags, access: 'user', scope: 'homes:write', body: CreateHomeBody, responses: { ...upstreamResponses, 201: { description: 'The new home', schema: HomeView } } },
    async ({ body }, req, res) => void res.status(201).json(await homes.create(principalOf(req).userId, body)),
  );

  api.route(
    { method: 'get', path: '/v1/homes/:homeId', summary: 'One home', tags, access: 'user', scope: 'homes:read', params: HomeParams, responses: { ...upstreamResponses, 200: { description: 'The home', schema: HomeView }, 404: notFound } },
    async ({ params }, req, res) => void res.json(await homes.get(principalOf(req).userId, params.homeId)),
  );

  api.route(
    { method: 'patch', path: '/v1/homes/:homeId', summary: 'Rename a home (or change its time zone)', tags, access: 'user', scope: 'homes:write', params: HomeParams, body: UpdateHomeBody, responses: { ...upstreamResponses, 204: { description: 'Changed' }, 404: notFound } },
    async ({ params, body }, req, res) => {
      await homes.update(principalOf(req).userId, params.homeId, body);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'delete', path: '/v1/homes/:homeId', summary: 'Delete a home (owners only)', tags, access: 'user', scope: 'homes:write', params: HomeParams, responses: { ...upstreamResponses, 204: { description: 'Deleted' }, 404: notFound } },
    async ({ params }, req, res) => {
      await homes.delete(principalOf(req).userId, params.homeId);
      res.status(204).end();
    },
  );
}
