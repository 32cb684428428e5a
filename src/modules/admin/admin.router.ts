import type { Request } from 'express';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import type { AdminServices } from './admin.module';
import { AdminUser, AuditPage, AuditQuery, UserIdParams, UserListPage, UserListQuery } from './admin.schemas';
import { toAdminUser } from './admin-users.service';
import type { AdminActor, LifecycleAction } from './user-lifecycle.service';

// The admin API: users (search, lifecycle) and the audit log. Administrators only; the guard
// re-reads the caller's role on every request, so a demoted admin loses access at once.

const tags = ['admin'];
type Responses = Record<number, { description: string }>;
const SELF: Responses = { 409: { description: 'An administrator cannot disable, demote or delete their own account' } };
const NOT_FOUND: Responses = { 404: { description: 'No such user' } };

const actorOf = (req: Request): AdminActor => ({ userId: principalOf(req).userId, via: 'api', ip: req.ip });

const ACTIONS: Array<{ action: LifecycleAction; summary: string; conflict: boolean }> = [
  { action: 'disable', summary: 'Disable a user: login and refresh stop, live refresh tokens are revoked', conflict: true },
  { action: 'enable', summary: 'Enable a disabled user again (back to invited when no password was ever set)', conflict: false },
  { action: 'promote', summary: 'Give a user the admin role', conflict: false },
  { action: 'demote', summary: 'Take the admin role away', conflict: true },
];

export function registerAdminRoutes(api: ApiRouter, admin: AdminServices): void {
  api.route(
    { method: 'get', path: '/v1/admin/users', summary: 'Search users, newest first', tags, access: 'admin', query: UserListQuery, responses: { 200: { description: 'A page of users', schema: UserListPage } } },
    async ({ query }, _req, res) => void res.json(await admin.users.list(query)),
  );

  api.route(
    { method: 'get', path: '/v1/admin/users/:id', summary: 'One user', tags, access: 'admin', params: UserIdParams, responses: { 200: { description: 'The user', schema: AdminUser }, ...NOT_FOUND } },
    async ({ params }, _req, res) => void res.json(toAdminUser(await admin.lifecycle.find(params.id))),
  );

  for (const { action, summary, conflict } of ACTIONS) {
    api.route(
      { method: 'post', path: `/v1/admin/users/:id/${action}`, summary, tags, access: 'admin', params: UserIdParams, responses: { 200: { description: 'The user after the change (also when nothing had to change)', schema: AdminUser }, ...NOT_FOUND, ...(conflict ? SELF : {}) } },
      async ({ params }, req, res) => void res.json(toAdminUser((await admin.lifecycle.change(actorOf(req), params.id, action)).after)),
    );
  }

  api.route(
    { method: 'delete', path: '/v1/admin/users/:id', summary: 'Delete a user here and in MODE; their sessions end', tags, access: 'admin', params: UserIdParams, responses: { 204: { description: 'Deleted' }, ...NOT_FOUND, ...SELF, 503: { description: 'MODE could not be reached; the user is disabled, retry the delete' } } },
    async ({ params }, req, res) => {
      await admin.lifecycle.delete(actorOf(req), params.id);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'get', path: '/v1/admin/audit', summary: 'The audit log, newest first', tags, access: 'admin', query: AuditQuery, responses: { 200: { description: 'A page of audit entries', schema: AuditPage } } },
    async ({ query }, _req, res) => void res.json(await admin.auditLog.list(query)),
  );
}
