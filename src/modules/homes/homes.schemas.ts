import { z } from 'zod';
import { ErrorBody } from '../../http/openapi';
import type { ModeHome, ModeHomeMember } from '../../mode';
import type { HomeRole } from './memberships.repository';

/** A MODE object ID in a path: a positive integer that fits MODE's (and the database's) 32 bits. */
export const ModeId = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a positive integer')
  .transform(Number)
  .refine((id) => id >= 1 && id <= 2_147_483_647, 'must be a positive integer')
  .openapi({ type: 'integer', example: 1234 });

/** How MODE's own failures reach the caller on every proxied route (documentation only). */
export const upstreamResponses = {
  502: { description: 'upstream_error: MODE failed or refused the request', schema: ErrorBody },
  503: { description: 'upstream_unavailable: MODE cannot be reached (or the MODE link cannot be completed now)', schema: ErrorBody },
  504: { description: 'upstream_timeout: MODE did not answer in time', schema: ErrorBody },
};

export const HomeParams = z.object({ homeId: ModeId });
export const MemberParams = z.object({ homeId: ModeId, modeUserId: ModeId });

const timezone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Paris');

const homeName = z.string().trim().min(1).max(200);

export const CreateHomeBody = z
  .object({ name: homeName, timezone: timezone.optional().openapi({ description: 'Extension: the home time zone (MODE default UTC)' }) })
  .strict()
  .openapi('CreateHomeRequest');

export const UpdateHomeBody = z
  .object({ name: homeName.optional(), timezone: timezone.optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.timezone !== undefined, 'name or timezone is required')
  .openapi('UpdateHomeRequest');

export const HomeRoleName = z.enum(['owner', 'member']);

export const HomeView = z
  .object({
    id: z.number().int(),
    name: z.string(),
    projectId: z.number().int(),
    timezone: z.string().optional(),
    creationTime: z.string(),
    role: HomeRoleName.openapi({ description: "Extension: the caller's role in the home" }),
  })
  .openapi('Home');
export type HomeView = z.infer<typeof HomeView>;

export function toHomeView(home: ModeHome, role: HomeRole): HomeView {
  const { id, name, projectId, timezone: zone, creationTime } = home;
  return { id, name, projectId, ...(zone === undefined ? {} : { timezone: zone }), creationTime, role };
}

export const AddMemberBody = z
  .object({ email: z.email().max(254).transform((email) => email.toLowerCase()) })
  .strict()
  .openapi('AddMemberRequest');

export const LocalUserSummary = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi('MemberUser');

export const MemberView = z
  .object({
    userId: z.number().int().openapi({ description: 'The MODE user ID' }),
    homeId: z.number().int(),
    name: z.string(),
    verified: z.boolean(),
    creationTime: z.string(),
    role: HomeRoleName,
    user: LocalUserSummary.optional().openapi({ description: 'The local account, when this MODE user is one of ours' }),
  })
  .openapi('Member');
export type MemberView = z.infer<typeof MemberView>;

/** MODE's member has no `homeId`: the view takes it from the home that was asked about. */
export function toMemberView(member: ModeHomeMember, homeId: number, user?: { id: string; email: string; name: string }): MemberView {
  const { userId, name, verified, creationTime } = member;
  const role = member.role === 'owner' ? 'owner' : 'member';
  return { userId, homeId, name, verified, creationTime, role, ...(user ? { user: { id: user.id, email: user.email, name: user.name } } : {}) };
}
