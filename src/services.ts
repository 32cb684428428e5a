import type { Database } from './db/database';
import type { ResolvedConfig } from './lib/config';
import type { Logger } from './lib/logger';
import { secretBoxFor, type SecretBox } from './lib/secret-box';
import { createMetrics, type HttpMetrics } from './http/metrics';
import { memoryStores, type RateLimitStoreFactory } from './http/rate-limit';
import type { Guards } from './http/route';
import { AuditRepository } from './modules/audit/audit.repository';
import { AccessTokens } from './modules/auth/access-tokens';
import type { AuthRouteLimits } from './modules/auth/auth.router';
import { AuthService } from './modules/auth/auth.service';
import { createGuards } from './modules/auth/guards';
import { RefreshTokens } from './modules/auth/refresh-tokens';
import { configurePasswordHashing, onPasswordHashingError } from './modules/auth/passwords';
import { RefreshTokensRepository } from './modules/auth/refresh-tokens.repository';
import { LegacyAuthClient } from './modules/auth/legacy-auth.client';
import { LegacyMigration } from './modules/auth/legacy-migration';
import { UsersRepository } from './modules/users/users.repository';
import { SessionsRepository } from './modules/auth/sessions.repository';
import { SessionsService } from './modules/auth/sessions.service';
import { AccountDeletionRepository } from './modules/users/account-deletion.repository';
import { AccountDeletionService } from './modules/users/account-deletion.service';
import { ModeUserDeletion, MODE_USER_DELETE_TOPIC } from './modules/linking/mode-user-deletion';
import { AccountMail } from './modules/auth/account-mail';
import type { AccountServices } from './modules/auth/credentials.router';
import { AccountWritesRepository } from './modules/auth/account-writes.repository';
import { EmailOwners } from './modules/auth/email-owners';
import { EmailVerificationService } from './modules/auth/email-verification.service';
import { LinkTokensRepository } from './modules/auth/link-tokens.repository';
import { PasswordChangeService } from './modules/auth/password-change.service';
import { PasswordResetService } from './modules/auth/password-reset.service';
import { credentialChangeRevoker, refreshTokenRevoker } from './modules/auth/session-revocation';
import { LinksRepository } from './modules/linking/links.repository';
import { LinkingService, type ModeProject } from './modules/linking/linking.service';
import type { ModeClient } from './mode';
import { HomeAccess } from './modules/homes/home-access';
import { projectModeAccountRemover } from './modules/linking/mode-account-remover';
import { MembershipsRepository } from './modules/homes/memberships.repository';
import { buildHomeModule } from './modules/homes/homes.module';
import type { HomesService } from './modules/homes/homes.service';
import type { MembersService } from './modules/homes/members.service';
import type { DevicesService } from './modules/devices/devices.service';
import type { KvService } from './modules/kv/kv.service';
import type { InvitationsService } from './modules/invitations/invitations.service';
import type { Notifier } from './modules/invitations/notifier';
import { buildServiceClients, type ServiceClientsService } from './modules/service-clients';
import { buildAdminServices, type AdminServices, type ModeAccountRemover } from './modules/admin/admin.module';
import { buildEventPipeline, type EventPipeline } from './modules/events/events.module';
import type { EventBus } from './modules/stream/event-bus';
import { buildOAuthApps, type OAuthApps } from './modules/oauth-apps';
import { InProcessChangeBus, type ChangeBus } from './lib/change-bus';
import { AccountPrincipals } from './modules/auth/principals';

// The composition root: every long-lived object of the service, built once from the config,
// the database and the MODE client. Tests build it with their own database and emulator.

export interface ServiceDeps {
  config: ResolvedConfig;
  logger: Logger;
  db: Database;
  mode: ModeClient;
  modeProject: ModeProject;
  metrics?: HttpMetrics;
  rateLimitStores?: RateLimitStoreFactory;
  /** How new home members are told; unset: stored notifications plus an outbox e-mail message. */
  notifier?: Notifier;
  /** Deletes MODE users when an admin deletes a user; default: DELETE /users/:id with the project key. */
  modeAccountRemover?: ModeAccountRemover;
  /** Carries stored events to the live streams of every instance; unset: in-process (one instance). */
  eventBus?: EventBus;
  /** Tells every instance of account and membership changes; unset: in-process (one instance). */
  changeBus?: ChangeBus;
  /** The time in milliseconds where expiry is checked; tests move it instead of waiting. Default Date.now. */
  clock?: () => number;
}

export interface Services extends EventPipeline {
  config: ResolvedConfig;
  logger: Logger;
  db: Database;
  metrics: HttpMetrics;
  secretBox: SecretBox;
  rateLimitStores: RateLimitStoreFactory;
  authLimits: AuthRouteLimits;
  users: UsersRepository;
  audit: AuditRepository;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  auth: AuthService;
  /** The old system's login check (LEGACY_AUTH_URL); closed with the services. */
  legacyAuth?: LegacyAuthClient;
  sessions: SessionsService;
  accountDeletion: AccountDeletionService;
  account: AccountServices;
  guards: Guards;
  /** Account state behind every token; `principals.invalidate(userId)` after changing an account. */
  principals: AccountPrincipals;
  changeBus: ChangeBus;
  mode: ModeClient;
  modeProject: ModeProject;
  linking: LinkingService;
  memberships: MembershipsRepository;
  homeAccess: HomeAccess;
  homes: HomesService;
  members: MembersService;
  devices: DevicesService;
  kv: KvService;
  invitations: InvitationsService;
  serviceClients: ServiceClientsService;
  admin: AdminServices;
  /** Third-party apps (OAuth authorization code); `oauthApps.service.revokeUser` cuts a user's links. */
  oauthApps: OAuthApps;
}

export function buildServices(deps: ServiceDeps): Services {
  const { config, logger, db } = deps;
  const rateLimitStores = deps.rateLimitStores ?? memoryStores;
  configurePasswordHashing(config.passwordHashing);
  onPasswordHashingError((error) => logger.error({ err: error }, 'a password hashing thread failed'));
  const users = new UsersRepository(db.prisma, db.sql);
  const changeBus = deps.changeBus ?? new InProcessChangeBus(logger);
  const principals = new AccountPrincipals(users, changeBus, logger);
  const audit = new AuditRepository(db.prisma, db.sql);
  const accessTokens = new AccessTokens({ secret: config.auth.jwtSecret, issuer: config.auth.issuer, ttlSeconds: config.auth.accessTokenTtlSeconds, now: deps.clock });
  const refreshTokens = new RefreshTokens(new RefreshTokensRepository(db.sql), config.auth.refreshTokenTtlDays);
  const secretBox = secretBoxFor(config.encryption);
  const linking = new LinkingService(new LinksRepository(db.prisma), deps.mode, deps.modeProject, secretBox, logger);
  const memberships = new MembershipsRepository(db.prisma, db.sql, (homeId) => {
    changeBus.publish('home-members', String(homeId)).catch((error: unknown) => logger.warn({ err: error, homeId }, 'could not tell other instances of a membership change'));
  });
  const homeAccess = new HomeAccess(memberships, linking, deps.mode);
  const legacyAuth = config.legacyAuth ? new LegacyAuthClient(config.legacyAuth, logger) : undefined;
  const legacyMigration = legacyAuth && new LegacyMigration(legacyAuth, users, audit, linking, config.adminEmails);
  const metrics = deps.metrics ?? createMetrics();
  const eventPipeline = buildEventPipeline({ config, logger, db, mode: deps.mode, modeProject: deps.modeProject, linking, memberships, homeAccess, metrics: metrics.registry, secretBox, eventBus: deps.eventBus });
  const accountDeps = {
    sql: db.sql,
    users,
    tokens: new LinkTokensRepository(db.sql),
    writes: new AccountWritesRepository(),
    mail: new AccountMail(secretBox, { passwordReset: config.account.passwordResetLink, emailVerify: config.account.emailVerifyLink }),
    outbox: eventPipeline.outbox,
    // A credential change ends every session and every app's link (oauthApps is built below, used later).
    sessions: credentialChangeRevoker(refreshTokenRevoker(refreshTokens), (userId) => oauthApps.service.revokeUser(userId, 'password_changed')),
    audit,
    owners: new EmailOwners(config.adminEmails),
  };
  const emailVerification = new EmailVerificationService(accountDeps);
  const passwordReset = new PasswordResetService({ ...accountDeps, ttlMinutes: config.account.passwordResetTtlMinutes });
  const registrationEmails = { sendVerification: (user: { id: string; email: string }) => emailVerification.sendVerification(user), requestClaim: (invitee: { id: string; email: string }) => passwordReset.requestClaim(invitee) };
  const auth = new AuthService(users, accessTokens, refreshTokens, audit, linking, registrationEmails, legacyMigration);
  const account: AccountServices = { passwordReset, passwordChange: new PasswordChangeService({ ...accountDeps, auth }), emailVerification };
  const homeModule = buildHomeModule({ prisma: db.prisma, mode: deps.mode, linking, homeAccess, memberships, users, audit, auth, adminEmails: config.adminEmails, secretBox, commandPolicyFile: config.commandPolicyFile, notifier: deps.notifier });
  const serviceClients = buildServiceClients({ prisma: db.prisma, audit, users, accessTokens, metrics: metrics.registry, logger });
  const authLimits: AuthRouteLimits = { perIpPerMinute: config.rateLimits.authPerMinute, failuresPerAccountPer15Min: config.rateLimits.loginFailuresPerAccount, stores: rateLimitStores };
  const oauthApps = buildOAuthApps({ prisma: db.prisma, config, logger, users, auth, audit, limits: authLimits });
  // A home's members changed on some instance: forget the copy here and re-scope open streams.
  changeBus.subscribe('home-members', (id) => {
    const homeId = Number(id);
    memberships.forgetHome(homeId);
    void memberships
      .localMembersOf([homeId])
      .then((members) => eventPipeline.stream.refreshHome(homeId, (members.get(homeId) ?? []).map((member) => member.userId)))
      .catch((error: unknown) => logger.warn({ err: error, homeId }, 'could not refresh the streams of a home whose members changed'));
  });
  // A disabled or deleted user's open streams end with the change, on whichever instance holds them.
  principals.onChange((userId) => {
    void principals
      .current(userId)
      .then((account) => {
        if (account?.status !== 'active') eventPipeline.stream.endUser(userId);
      })
      .catch((error: unknown) => logger.warn({ err: error, userId }, 'could not re-check the streams of a changed account'));
  });
  const sessions = new SessionsService(new SessionsRepository(db.prisma), refreshTokens, audit);
  // Retried until MODE accepts: the local account is already gone, so a dead letter would leave the MODE user behind.
  const modeUserDeletion = new ModeUserDeletion(deps.mode, deps.modeProject, secretBox, audit, logger);
  eventPipeline.outbox.handle(MODE_USER_DELETE_TOPIC, modeUserDeletion.deliver, { maxAttempts: Number.POSITIVE_INFINITY });
  // Dropping the principal reaches every instance: its tokens stop and its open streams end there too.
  const accountDeletion = new AccountDeletionService(users, new AccountDeletionRepository(db.sql), eventPipeline.outbox, audit, [
    { forget: (userId) => principals.invalidate(userId) },
    linking,
  ]);
  return {
    config,
    logger,
    db,
    metrics,
    secretBox,
    rateLimitStores,
    authLimits,
    users,
    audit,
    accessTokens,
    refreshTokens,
    auth,
    legacyAuth,
    sessions,
    accountDeletion,
    account,
    guards: createGuards({ accessTokens, users, principals, services: serviceClients.principals, apps: oauthApps.principals, requireVerifiedEmail: config.account.requireEmailVerification }),
    principals,
    changeBus,
    mode: deps.mode,
    modeProject: deps.modeProject,
    linking,
    memberships,
    homeAccess,
    ...homeModule,
    serviceClients: serviceClients.service,
    admin: buildAdminServices(db.prisma, audit, deps.modeAccountRemover ?? projectModeAccountRemover(deps.mode, deps.modeProject), (userId) => principals.invalidate(userId)),
    ...eventPipeline,
    oauthApps,
  };
}
