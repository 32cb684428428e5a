import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../auth/passwords';
import { PersonName } from '../users/person-name';

/** Any string is looked up; a malformed token is simply unknown (404). */
export const InvitationParams = z.object({ token: z.string().min(1).max(200) });

export const AcceptInvitationBody = z
  .object({ password: z.string().max(PASSWORD_MAX_LENGTH), name: PersonName.optional() })
  .strict()
  .openapi('AcceptInvitationRequest');

export const InvitationView = z
  .object({
    homeId: z.number().int(),
    email: z.string(),
    invitedBy: z.object({ name: z.string() }).nullable(),
    expiresAt: z.string(),
  })
  .openapi('Invitation');
