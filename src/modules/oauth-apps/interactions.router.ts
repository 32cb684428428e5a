import type { Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import { AppError } from '../../lib/errors';
import { CSRF_FIELD } from '../../web/csrf';
import { allowFormRedirectsTo } from '../../web/csp';
import { renderPage } from '../../web/views';
import type { Web } from '../../web/web';
import type { AuditRepository } from '../audit/audit.repository';
import { loginLimiters, type AuthRouteLimits } from '../auth/auth.router';
import type { AuthService } from '../auth/auth.service';
import { Email } from '../auth/auth.schemas';
import { PASSWORD_MAX_LENGTH } from '../auth/passwords';
import type { UsersRepository } from '../users/users.repository';
import type { OAuthAppRecord, OAuthAppsRepository } from './oauth-apps.repository';
import { appScopesOf, SCOPE_WORDING } from './oauth-scopes';
import { INTERACTION_PATH } from './provider';

// The authorization server's two steps that need the user: signing in with their mode-bridge
// password and consenting to what the app asks for. Plain HTML forms (no script), CSRF-checked
// by the web layer; the authorization server keeps the state of the request (its interaction).

export interface InteractionDeps {
  provider: () => Promise<Provider>;
  apps: OAuthAppsRepository;
  users: UsersRepository;
  auth: AuthService;
  audit: AuditRepository;
  limits: AuthRouteLimits;
  /** Applied to each page request before the library reads it (see asIssuer). */
  asIssuer: (req: Request) => void;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

class InteractionExpiredError extends AppError {
  constructor() {
    super(400, 'interaction_expired', 'This sign-in page has expired or was opened in another browser. Go back to the app and start linking again.');
  }
}

export function registerInteractionPages(web: Web, deps: InteractionDeps): void {
  const limits = loginLimiters(deps.limits);
  const page = (handler: (req: Request, res: Response, interaction: Interaction) => Promise<void>): RequestHandler =>
    async (req, res) => {
      const interaction = await loadInteraction(deps, req, res);
      // The last redirect of this flow goes to the app's own site: this page's forms may lead there.
      allowFormRedirectsTo(res, interaction.app.redirectUris.map((uri) => new URL(uri).origin));
      await handler(req, res, interaction);
    };

  web.get(`${INTERACTION_PATH}/:uid`, page(async (req, res, interaction) => {
    if (interaction.details.prompt.name === 'login') return renderLogin(req, res, web, interaction);
    renderConsent(req, res, web, interaction, await emailOf(deps.users, interaction.details));
  }));

  web.post(`${INTERACTION_PATH}/:uid/login`, limits.perIp, limits.perAccount, page(async (req, res, interaction) => {
    if (interaction.details.prompt.name !== 'login') throw new InteractionExpiredError();
    const email = Email.safeParse(req.body?.email);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const user = email.success && password.length > 0 && password.length <= PASSWORD_MAX_LENGTH
      ? await deps.auth.verifyCredentials(email.data, password, { ip: req.ip }).catch((error: unknown) => {
          if (error instanceof AppError && error.status === 401) return undefined;
          throw error;
        })
      : undefined;
    if (!user) {
      return renderLogin(req, res, web, interaction, { email: String(req.body?.email ?? ''), error: 'The e-mail or password is wrong, or this account cannot sign in.' }, 401);
    }
    await deps.audit.record({ actorType: 'user', actorId: user.id, action: 'oauth_app.sign_in', targetType: 'oauth_app', targetId: interaction.app.clientId, result: 'success', ip: req.ip });
    const provider = await deps.provider();
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  }));

  web.post(`${INTERACTION_PATH}/:uid/confirm`, page(async (req, res, { details, app }) => {
    const { prompt, params, session } = details;
    const accountId = session?.accountId;
    if (prompt.name !== 'consent' || !accountId) throw new InteractionExpiredError();
    const provider = await deps.provider();
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId: app.clientId });
    const scopes = appScopesOf(String(params.scope ?? ''));
    const missing = (prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    grant.addOIDCScope([...new Set([...scopes, ...missing])].join(' '));
    const grantId = await grant.save();
    await deps.audit.record({ actorType: 'user', actorId: accountId, action: 'oauth_app.grant', targetType: 'oauth_app', targetId: app.clientId, result: 'success', ip: req.ip, details: { scopes, grantId, extended: existing !== undefined } });
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }));

  web.post(`${INTERACTION_PATH}/:uid/abort`, page(async (req, res, { details, app }) => {
    await deps.audit.record({ actorType: details.session?.accountId ? 'user' : 'anonymous', actorId: details.session?.accountId ?? null, action: 'oauth_app.grant', targetType: 'oauth_app', targetId: app.clientId, result: 'denied', ip: req.ip });
    const provider = await deps.provider();
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user did not allow the app' }, { mergeWithLastSubmission: false });
  }));
}

interface Interaction {
  details: Details;
  app: OAuthAppRecord;
}

async function loadInteraction(deps: InteractionDeps, req: Request, res: Response): Promise<Interaction> {
  deps.asIssuer(req);
  const provider = await deps.provider();
  const details = await provider.interactionDetails(req, res).catch(() => undefined);
  if (!details || details.uid !== req.params.uid) throw new InteractionExpiredError();
  const app = await deps.apps.findByClientId(String(details.params.client_id ?? ''));
  if (!app) throw new InteractionExpiredError();
  return { details, app };
}

async function emailOf(users: UsersRepository, details: Details): Promise<string> {
  const accountId = details.session?.accountId;
  const user = accountId ? await users.findById(accountId) : null;
  return user?.email ?? '';
}

function renderLogin(req: Request, res: Response, web: Web, { details, app }: Interaction, form: { email?: string; error?: string } = {}, status = 200): void {
  renderPage(res, 'oauth-login', {
    title: `Sign in to link ${app.name}`,
    appName: app.name,
    action: `${INTERACTION_PATH}/${details.uid}`,
    csrfField: CSRF_FIELD,
    csrfToken: web.csrf.tokenFor(req, res),
    email: form.email ?? '',
    error: form.error,
  }, status);
}

function renderConsent(req: Request, res: Response, web: Web, { details, app }: Interaction, email: string): void {
  const scopes = appScopesOf(String(details.params.scope ?? ''));
  renderPage(res, 'oauth-consent', {
    title: `Allow ${app.name} to use your account?`,
    appName: app.name,
    email,
    scopes: scopes.map((scope) => ({ scope, wording: SCOPE_WORDING[scope] })),
    action: `${INTERACTION_PATH}/${details.uid}`,
    csrfField: CSRF_FIELD,
    csrfToken: web.csrf.tokenFor(req, res),
  });
}
