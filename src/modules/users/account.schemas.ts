import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../auth/passwords';

// Control characters (NUL included, which PostgreSQL refuses) and line or paragraph separators
// have no place in a name shown in apps and e-mails.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Zl}\p{Zp}]*$/u;

export const NAME_MAX_LENGTH = 200;

export const ProfileChangeBody = z
  .object({
    name: z.string().trim().min(1).max(NAME_MAX_LENGTH).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters'),
  })
  .strict()
  .openapi('ProfileChange');

export const AccountDeletionBody = z
  .object({ password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict()
  .openapi('AccountDeletion');
