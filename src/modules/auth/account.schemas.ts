import { z } from 'zod';
import { Email } from './auth.schemas';
import { PASSWORD_MAX_LENGTH } from './passwords';

/** Any string is looked up; a malformed token is simply not valid (400 invalid_token). */
export const LinkTokenField = z.string().min(1).max(200);

export const ForgotPasswordBody = z.object({ email: Email }).strict().openapi('ForgotPasswordRequest');

export const ResetPasswordBody = z
  .object({ token: LinkTokenField, password: z.string().max(PASSWORD_MAX_LENGTH) })
  .strict()
  .openapi('ResetPasswordRequest');

export const ChangePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH), newPassword: z.string().max(PASSWORD_MAX_LENGTH) })
  .strict()
  .openapi('ChangePasswordRequest');

export const ChangeEmailBody = z
  .object({ email: Email, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict()
  .openapi('ChangeEmailRequest');

export const VerifyEmailBody = z.object({ token: LinkTokenField }).strict().openapi('VerifyEmailRequest');

/** The one answer of forgot-password, whoever the address belongs to. */
export const FORGOT_ANSWER = { message: 'If an account uses this address, a link to reset its password is on its way.' };

export const Accepted = z.object({ message: z.string() }).openapi('Accepted');

export const ClaimPendingView = z
  .object({ verificationSent: z.literal(true), email: z.string() })
  .openapi('RegistrationPending', { description: 'The address was invited to a home: the link sent to it sets the password and activates the account' });
