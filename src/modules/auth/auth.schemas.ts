import { z } from 'zod';
import { UserView } from '../users/users.view';
import { PersonName } from '../users/person-name';
import { PASSWORD_MAX_LENGTH } from './passwords';

export const Email = z.email().max(254).transform((value) => value.toLowerCase());

export const RegisterBody = z
  .object({
    email: Email,
    password: z.string().max(PASSWORD_MAX_LENGTH),
    name: PersonName.optional(),
  })
  .strict()
  .openapi('RegisterRequest');

export const LoginBody = z
  .object({ email: Email, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict()
  .openapi('LoginRequest');

export const RefreshBody = z.object({ refreshToken: z.string().min(16).max(200) }).strict().openapi('RefreshRequest');

export const SessionResult = z
  .object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int() })
  .openapi('Session');

export const AuthResult = SessionResult.extend({ user: UserView }).openapi('AuthResult');
