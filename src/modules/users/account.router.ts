import { UnauthenticatedError } from '../../lib/errors';
import type { ApiRouter } from '../../http/route';
import { clientIp, limiter } from '../../http/rate-limit';
import type { AuthRouteLimits } from '../auth/auth.router';
import { principalOf } from '../auth/guards';
import type { AccountDeletionService } from './account-deletion.service';
import { AccountDeletionBody, ProfileChangeBody } from './account.schemas';
import type { UsersRepository } from './users.repository';
import { toUserView, UserView } from './users.view';

// The signed-in user's own account: changing the profile and deleting the account.

const MINUTE = 60_000;

export interface AccountRouteDeps {
  users: UsersRepository;
  deletion: AccountDeletionService;
  limits: AuthRouteLimits;
}

export function registerAccountRoutes(api: ApiRouter, { users, deletion, limits }: AccountRouteDeps): void {
  const tags = ['accounts'];
  // The password is checked as at login, so it is limited as login is: per address, and failures per account.
  const passwordChecks = [
    limiter({ name: 'account-delete', windowMs: MINUTE, limit: limits.perIpPerMinute, key: clientIp, stores: limits.stores }),
    limiter({
      name: 'account-delete-failures',
      windowMs: 15 * MINUTE,
      limit: limits.failuresPerAccountPer15Min,
      key: (req) => principalOf(req).userId,
      skipSuccessfulRequests: true,
      stores: limits.stores,
    }),
  ];

  api.route(
    { method: 'patch', path: '/v1/me', summary: "Change the signed-in user's profile", tags, access: 'user', body: ProfileChangeBody, responses: { 200: { description: 'The changed user', schema: UserView } } },
    async ({ body }, req, res) => {
      const userId = principalOf(req).userId;
      const user = await users.findById(userId);
      if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
      res.json(toUserView(await users.update(userId, { name: body.name })));
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/v1/me',
      summary: 'Delete the signed-in account',
      tags,
      access: 'user',
      before: passwordChecks,
      body: AccountDeletionBody,
      responses: {
        204: { description: 'The account, its sessions, notifications and preferences are gone; its MODE user is deleted in the background, retried until MODE accepts' },
        401: { description: 'Wrong password (`invalid_credentials`), or no valid access token' },
        503: { description: 'The account is being connected to MODE at this moment; try again shortly' },
      },
    },
    async ({ body }, req, res) => {
      await deletion.deleteOwnAccount({ userId: principalOf(req).userId, ip: req.ip }, body.password);
      res.status(204).end();
    },
  );
}
