import { clientInfo } from '../../http/client-info';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { clientIp, limiter } from '../../http/rate-limit';
import type { AuthRouteLimits } from '../auth/auth.router';
import { AuthResult } from '../auth/auth.schemas';
import { AcceptInvitationBody, InvitationParams, InvitationView } from './invitations.schemas';
import type { InvitationsService } from './invitations.service';

// Public: the invitee has no password yet. The token in the path is the only credential.
export function registerInvitationRoutes(api: ApiRouter, invitations: InvitationsService, limits: AuthRouteLimits): void {
  const perIp = limiter({ name: 'invitations', windowMs: 60_000, limit: limits.perIpPerMinute, key: clientIp, stores: limits.stores });
  const tags = ['invitations'];
  const unusable = { description: 'Unknown, used or expired invitation', schema: ErrorBody };

  api.route(
    { method: 'get', path: '/v1/invitations/:token', summary: 'What an invitation is for', tags, access: 'public', before: [perIp], params: InvitationParams, responses: { 200: { description: 'The open invitation', schema: InvitationView }, 404: unusable } },
    async ({ params }, _req, res) => void res.json(await invitations.describe(params.token)),
  );

  api.route(
    { method: 'post', path: '/v1/invitations/:token/accept', summary: 'Accept an invitation: set a password and sign in', tags, access: 'public', before: [perIp], params: InvitationParams, body: AcceptInvitationBody, responses: { 200: { description: 'Account active and signed in', schema: AuthResult }, 404: unusable } },
    async ({ params, body }, req, res) => void res.json(await invitations.accept(params.token, body, clientInfo(req))),
  );
}
