import { UnauthenticatedError } from '../../lib/errors';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import type { UsersRepository } from './users.repository';
import { toUserView, UserView } from './users.view';

export function registerMeRoutes(api: ApiRouter, users: UsersRepository): void {
  api.route(
    { method: 'get', path: '/v1/me', summary: 'The signed-in user', tags: ['accounts'], access: 'user', responses: { 200: { description: 'The user', schema: UserView } } },
    async (_input, req, res) => {
      const user = await users.findById(principalOf(req).userId);
      if (!user || user.status !== 'active') throw new UnauthenticatedError('This account cannot be used');
      res.json(toUserView(user));
    },
  );
}
