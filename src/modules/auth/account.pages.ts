import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { clientIp, limiter } from '../../http/rate-limit';
import { ValidationError } from '../../lib/errors';
import { renderPage } from '../../web/views';
import type { Web } from '../../web/web';
import type { AccountServices } from './credentials.router';
import { LinkTokenField } from './account.schemas';
import type { AuthRouteLimits } from './auth.router';
import type { VerificationOutcome } from './email-verification.service';
import type { ResetOutcome } from './password-reset.service';
import { InvalidLinkTokenError } from './link-tokens';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

// The pages behind the default links of reset and verification e-mails. The token arrives in the
// link's query, moves into a hidden form field and goes back only in a same-site POST; the pages
// load nothing from elsewhere (and send no Referer), so no third party ever sees it. Following a
// link never acts by itself: mail scanners that open links cannot use the token up.

const TokenQuery = z.object({ token: LinkTokenField });
const ResetForm = z.object({ token: LinkTokenField, password: z.string().max(PASSWORD_MAX_LENGTH) });
const VerifyForm = z.object({ token: LinkTokenField });

const RESET_TITLE = 'Choose a new password';
const VERIFY_TITLE = 'Confirm your e-mail address';
const DONE: Record<VerificationOutcome, string> = {
  verified: 'Your e-mail address is confirmed. You can close this page.',
  changed: 'Your account now uses this e-mail address. Sign in with it from now on.',
};

export function registerAccountPages(web: Web, account: AccountServices, limits: AuthRouteLimits): void {
  const perIp: RequestHandler = limiter({ name: 'account-pages', windowMs: 60_000, limit: limits.perIpPerMinute, key: clientIp, stores: limits.stores });

  web.get('/account/reset-password', perIp, async (req, res) => {
    const token = tokenOf(req.query);
    if (!token || !(await account.passwordReset.isUsable(token))) return unusableLink(res, RESET_TITLE);
    resetForm(req, res, web, token);
  });

  web.post('/account/reset-password', perIp, async (req, res) => {
    const form = ResetForm.safeParse(req.body);
    if (!form.success) return unusableLink(res, RESET_TITLE);
    let outcome: ResetOutcome;
    try {
      outcome = await account.passwordReset.reset(form.data.token, form.data.password, { ip: req.ip });
    } catch (error) {
      if (error instanceof InvalidLinkTokenError) return unusableLink(res, RESET_TITLE);
      if (error instanceof ValidationError) return resetForm(req, res, web, form.data.token, `The password ${weaknessText(error)}.`, 400);
      throw error;
    }
    if (outcome === 'claimed') renderPage(res, 'message', { title: 'Your account is ready', message: 'Sign in with this e-mail address and the password you chose.' });
    else renderPage(res, 'message', { title: 'Your password is changed', message: 'Sign in with your new password. Every other session has been signed out.' });
  });

  web.get('/account/verify-email', perIp, async (req, res) => {
    const token = tokenOf(req.query);
    if (!token || !(await account.emailVerification.isUsable(token))) return unusableLink(res, VERIFY_TITLE);
    renderPage(res, 'verify-email', { title: VERIFY_TITLE, csrf: web.csrf.tokenFor(req, res), token });
  });

  web.post('/account/verify-email', perIp, async (req, res) => {
    const form = VerifyForm.safeParse(req.body);
    if (!form.success) return unusableLink(res, VERIFY_TITLE);
    let outcome: VerificationOutcome;
    try {
      outcome = await account.emailVerification.verify(form.data.token, { ip: req.ip });
    } catch (error) {
      if (error instanceof InvalidLinkTokenError) return unusableLink(res, VERIFY_TITLE);
      throw error;
    }
    renderPage(res, 'message', { title: 'Thank you', message: DONE[outcome] });
  });
}

function tokenOf(query: unknown): string | undefined {
  const parsed = TokenQuery.safeParse(query);
  return parsed.success ? parsed.data.token : undefined;
}

function resetForm(req: Request, res: Response, web: Web, token: string, passwordError?: string, status = 200): void {
  renderPage(res, 'reset-password', { title: RESET_TITLE, csrf: web.csrf.tokenFor(req, res), token, minLength: PASSWORD_MIN_LENGTH, passwordError }, status);
}

function unusableLink(res: Response, title: string): void {
  renderPage(res, 'message', { title, message: new InvalidLinkTokenError().message }, 400);
}

function weaknessText(error: ValidationError): string {
  const issues = (error.details as { message: string }[] | undefined) ?? [];
  return issues.map((issue) => issue.message).join(' and ') || 'is not accepted';
}
