import { z } from 'zod';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { limiter, type RateLimitStoreFactory } from '../../http/rate-limit';
import { principalOf } from '../auth/guards';
import { AddMemberBody, HomeParams, MemberParams, MemberView, upstreamResponses } from './homes.schemas';
import type { MembersService } from './members.service';

export interface MemberRouteLimits {
  addsPerHour: number;
  stores: RateLimitStoreFactory;
}

export function registerMemberRoutes(api: ApiRouter, members: MembersService, limits: MemberRouteLimits): void {
  const tags = ['members'];
  // Adding a member can create an account and send an e-mail: limited per caller.
  const addLimit = limiter({ name: 'member-add', windowMs: 60 * 60_000, limit: limits.addsPerHour, key: (req) => principalOf(req).userId, stores: limits.stores });

  api.route(
    { method: 'get', path: '/v1/homes/:homeId/members', summary: "The home's members, with the local account of each where known", tags, access: 'user', scope: 'homes:read', params: HomeParams, responses: { ...upstreamResponses, 200: { description: 'Members', schema: z.array(MemberView) }, 404: { description: 'No such home among yours', schema: ErrorBody } } },
    async ({ params }, req, res) => void res.json(await members.list(principalOf(req).userId, params.homeId)),
  );

  api.route(
    { method: 'post', path: '/v1/homes/:homeId/members', summary: 'Add a person by e-mail; someone without an account is invited', tags, access: 'user', scope: 'homes:write', before: [addLimit], params: HomeParams, body: AddMemberBody, responses: { ...upstreamResponses, 201: { description: 'The new member', schema: MemberView }, 404: { description: 'No such home among yours', schema: ErrorBody }, 409: { description: 'Already a member', schema: ErrorBody } } },
    async ({ params, body }, req, res) => void res.status(201).json(await members.add(principalOf(req).userId, params.homeId, body.email)),
  );

  api.route(
    { method: 'delete', path: '/v1/homes/:homeId/members/:modeUserId', summary: 'Remove a member (owners), or leave the home (anyone)', tags, access: 'user', scope: 'homes:write', params: MemberParams, responses: { ...upstreamResponses, 204: { description: 'Removed' }, 404: { description: 'No such home or member', schema: ErrorBody }, 409: { description: 'The last owner cannot leave', schema: ErrorBody } } },
    async ({ params }, req, res) => {
      await members.remove(principalOf(req).userId, params.homeId, params.modeUserId);
      res.status(204).end();
    },
  );
}
