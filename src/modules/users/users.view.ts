import { z } from 'zod';
import type { UserWithLink } from './users.repository';

// The one public shape of a user: never a hash, a key or a token.

export const UserView = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['user', 'admin']),
    status: z.enum(['active', 'invited', 'disabled']),
    emailVerified: z.boolean(),
    createdAt: z.string(),
    link: z.object({ status: z.enum(['linked', 'pending']), modeUserId: z.number().int().nullable() }),
  })
  .openapi('User');

export type UserView = z.infer<typeof UserView>;

export function toUserView(user: UserWithLink): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
    link: { status: user.link?.status ?? 'pending', modeUserId: user.link?.modeUserId ?? null },
  };
}
