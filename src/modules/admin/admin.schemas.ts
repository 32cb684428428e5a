import { z } from 'zod';
import { isBigintId } from '../../lib/bounds';
import { UserView } from '../users/users.view';

// Shapes of the admin API. Admins see more of a user than the user view (status history,
// whether a password is set, why a MODE link is still pending), never a secret.

export const AdminUser = UserView.extend({
  updatedAt: z.string(),
  disabledAt: z.string().nullable(),
  hasPassword: z.boolean().openapi({ description: 'false for invited users who have not chosen a password yet' }),
  link: z.object({
    status: z.enum(['linked', 'pending']),
    modeUserId: z.number().int().nullable(),
    lastError: z.string().nullable().openapi({ description: 'why the last attempt to link to MODE failed, while pending' }),
  }),
}).openapi('AdminUser');

export type AdminUser = z.infer<typeof AdminUser>;

const limit = z.coerce.number().int().min(1).max(200).default(50);

export const UserListQuery = z.object({
  email: z.string().trim().min(1).max(254).optional().openapi({ description: 'part of the email, any letter case' }),
  status: z.enum(['active', 'invited', 'disabled']).optional(),
  role: z.enum(['user', 'admin']).optional(),
  limit,
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
});

export const UserListPage = z
  .object({ users: z.array(AdminUser), nextCursor: z.string().nullable() })
  .openapi('AdminUserPage');

export const UserIdParams = z.object({ id: z.uuid() });

export const AuditEntry = z
  .object({
    id: z.string().openapi({ description: 'a 64-bit sequence number, as a string' }),
    at: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    onBehalfOf: z.string().nullable(),
    result: z.string(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  action: z.string().trim().min(1).max(100).optional().openapi({ description: 'exact action, e.g. admin.user.disable' }),
  actorId: z.string().trim().min(1).max(100).optional(),
  targetId: z.string().trim().min(1).max(100).optional(),
  limit,
  cursor: z.string().refine(isBigintId, 'must be the nextCursor of the previous page').optional(),
});

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextCursor: z.string().nullable() }).openapi('AuditPage');
