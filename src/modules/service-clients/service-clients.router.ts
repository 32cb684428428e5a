import { z } from 'zod';
import type { Request } from 'express';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import { CreatedServiceClient, CreateServiceClientBody, ServiceClientParams, ServiceClientView } from './service-clients.schemas';
import type { Actor, ServiceClientsService } from './service-clients.service';

const actorOf = (req: Request): Actor => ({ userId: principalOf(req).userId, ip: req.ip });

export function registerServiceClientRoutes(api: ApiRouter, serviceClients: ServiceClientsService): void {
  const tags = ['service clients'];

  api.route(
    { method: 'post', path: '/v1/admin/service-clients', summary: 'Create a service client; its secret is shown only in this answer', tags, access: 'admin', body: CreateServiceClientBody, responses: { 201: { description: 'The client with its secret', schema: CreatedServiceClient } } },
    async ({ body }, req, res) => void res.status(201).json(await serviceClients.create(body, actorOf(req))),
  );

  api.route(
    { method: 'get', path: '/v1/admin/service-clients', summary: 'Every service client, revoked ones included (never a secret)', tags, access: 'admin', responses: { 200: { description: 'The clients, newest first', schema: z.array(ServiceClientView) } } },
    async (_input, _req, res) => void res.json(await serviceClients.list()),
  );

  api.route(
    { method: 'delete', path: '/v1/admin/service-clients/:id', summary: 'Revoke a service client; its tokens stop working at once', tags, access: 'admin', params: ServiceClientParams, responses: { 204: { description: 'Revoked (also when it already was)' }, 404: { description: 'No such client', schema: ErrorBody } } },
    async ({ params }, req, res) => {
      await serviceClients.revoke(params.id, actorOf(req));
      res.status(204).end();
    },
  );
}
