import type { RequestHandler } from 'express';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { clientIp, limiter } from '../../http/rate-limit';
import { Accepted, ChangeEmailBody, ChangePasswordBody, FORGOT_ANSWER, ForgotPasswordBody, ResetPasswordBody, VerifyEmailBody } from './account.schemas';
import type { AuthRouteLimits } from './auth.router';
import { SessionResult } from './auth.schemas';
import type { EmailVerificationService } from './email-verification.service';
import { principalOf } from './guards';
import type { PasswordChangeService } from './password-change.service';
import type { PasswordResetService } from './password-reset.service';

// The account lifecycle's API: forgot/reset and change password, verify and change the e-mail.

export interface AccountServices {
  passwordReset: PasswordResetService;
  passwordChange: PasswordChangeService;
  emailVerification: EmailVerificationService;
}

const MINUTE = 60_000;
/** Reset links one address may be sent per hour, whoever asks: no mailbox is flooded. */
export const FORGOT_PER_EMAIL_PER_HOUR = 5;
/** Verification links per account per hour. */
const VERIFICATIONS_PER_USER_PER_HOUR = 10;

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export function registerCredentialRoutes(api: ApiRouter, account: AccountServices, limits: AuthRouteLimits): void {
  const { stores } = limits;
  const perIp = (name: string) => limiter({ name, windowMs: MINUTE, limit: limits.perIpPerMinute, key: clientIp, stores });
  const forgotPerEmail = limiter({ name: 'password-forgot-email', windowMs: 60 * MINUTE, limit: FORGOT_PER_EMAIL_PER_HOUR, key: (req) => String(req.body?.email ?? '').trim().toLowerCase(), stores });
  const perUser = (name: string, limit: number, windowMs: number, failuresOnly = false) =>
    limiter({ name, windowMs, limit, key: (req) => principalOf(req).userId, skipSuccessfulRequests: failuresOnly, stores });
  const tags = ['accounts'];
  const invalidToken = { description: 'invalid_token: the link is unknown, used or expired', schema: ErrorBody };

  api.route(
    { method: 'post', path: '/v1/auth/password/forgot', summary: 'Send a password reset link (the same answer for every address)', tags, access: 'public', before: [perIp('password-forgot'), forgotPerEmail], body: ForgotPasswordBody, responses: { 202: { description: 'A link is sent if an account uses the address', schema: Accepted } } },
    async ({ body }, req, res) => {
      await account.passwordReset.forgot(body.email, { ip: req.ip });
      res.status(202).json(FORGOT_ANSWER);
    },
  );

  api.route(
    { method: 'post', path: '/v1/auth/password/reset', summary: 'Set a new password with the token of a reset link (or of the set-up link of a claimed invited address); every session ends', tags, access: 'public', before: [perIp('password-reset')], body: ResetPasswordBody, responses: { 204: { description: 'Password set (a claimed invited account is active); every refresh token of the user is revoked' }, 400: invalidToken } },
    async ({ body }, req, res) => {
      await account.passwordReset.reset(body.token, body.password, { ip: req.ip });
      res.status(204).end();
    },
  );

  api.route(
    { method: 'post', path: '/v1/me/password', summary: 'Change the password; every earlier session ends', tags, access: 'user', before: [perUser('password-change', limits.failuresPerAccountPer15Min, 15 * MINUTE, true), noStore], body: ChangePasswordBody, responses: { 200: { description: 'A fresh token pair, the only session left', schema: SessionResult }, 401: { description: 'invalid_credentials: the current password is wrong', schema: ErrorBody } } },
    async ({ body }, req, res) => void res.json(await account.passwordChange.change(principalOf(req).userId, body, { ip: req.ip })),
  );

  api.route(
    { method: 'post', path: '/v1/me/email', summary: 'Change the e-mail address; applies once the link sent to it is followed', tags, access: 'user', before: [perUser('email-change', VERIFICATIONS_PER_USER_PER_HOUR, 60 * MINUTE)], body: ChangeEmailBody, responses: { 202: { description: 'A link was sent to the new address', schema: Accepted }, 401: { description: 'invalid_credentials: the password is wrong', schema: ErrorBody }, 409: { description: 'The address is taken', schema: ErrorBody } } },
    async ({ body }, req, res) => {
      await account.emailVerification.requestChange(principalOf(req).userId, body, { ip: req.ip });
      res.status(202).json({ message: 'A link to confirm the new address has been sent to it.' });
    },
  );

  api.route(
    { method: 'post', path: '/v1/auth/email/verify/start', summary: "Send a link that verifies the account's e-mail address", tags, access: 'user', before: [perUser('email-verify-start', VERIFICATIONS_PER_USER_PER_HOUR, 60 * MINUTE)], responses: { 202: { description: 'A link was sent (nothing is sent when the address is verified already)', schema: Accepted } } },
    async (_input, req, res) => {
      await account.emailVerification.start(principalOf(req).userId);
      res.status(202).json({ message: 'A verification link has been sent unless the address is verified already.' });
    },
  );

  api.route(
    { method: 'post', path: '/v1/auth/email/verify', summary: 'Follow a verification link: verify or change the address', tags, access: 'public', before: [perIp('email-verify')], body: VerifyEmailBody, responses: { 204: { description: 'The address is verified (or changed)' }, 400: invalidToken, 409: { description: 'The new address was taken meanwhile', schema: ErrorBody } } },
    async ({ body }, req, res) => {
      await account.emailVerification.verify(body.token, { ip: req.ip });
      res.status(204).end();
    },
  );
}
