import { z } from 'zod';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import { HomeParams, upstreamResponses } from '../homes/homes.schemas';
import { KeyValueView, KvListQuery, KvParams, PutValueBody } from './kv.schemas';
import type { KvService } from './kv.service';

export function registerKvRoutes(api: ApiRouter, kv: KvService): void {
  const tags = ['key-value store'];
  const notFound = { description: 'No such home among yours, or no such key', schema: ErrorBody };

  api.route(
    { method: 'get', path: '/v1/homes/:homeId/kv', summary: "Every key-value pair of a home", tags, access: 'user', scope: 'homes:read', params: HomeParams, query: KvListQuery, responses: { ...upstreamResponses, 200: { description: 'Pairs, by key', schema: z.array(KeyValueView) }, 404: notFound } },
    async ({ params, query }, req, res) => void res.json(await kv.list(principalOf(req).userId, params.homeId, query.keyPrefix)),
  );

  api.route(
    { method: 'get', path: '/v1/homes/:homeId/kv/:key', summary: 'One value', tags, access: 'user', scope: 'homes:read', params: KvParams, responses: { ...upstreamResponses, 200: { description: 'The pair', schema: KeyValueView }, 404: notFound } },
    async ({ params }, req, res) => void res.json(await kv.get(principalOf(req).userId, params.homeId, params.key)),
  );

  api.route(
    { method: 'put', path: '/v1/homes/:homeId/kv/:key', summary: 'Set a value', tags, access: 'user', scope: 'homes:write', params: KvParams, body: PutValueBody, responses: { ...upstreamResponses, 204: { description: 'Stored' }, 404: notFound } },
    async ({ params, body }, req, res) => {
      await kv.put(principalOf(req).userId, params.homeId, params.key, body.value);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'delete', path: '/v1/homes/:homeId/kv/:key', summary: 'Delete a value', tags, access: 'user', scope: 'homes:write', params: KvParams, responses: { ...upstreamResponses, 204: { description: 'Deleted' }, 404: notFound } },
    async ({ params }, req, res) => {
      await kv.delete(principalOf(req).userId, params.homeId, params.key);
      res.status(204).end();
    },
  );
}
