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
import { UsersRepository } from './modules/users/users.repository';
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
  guards: Guards;
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
  const users = new UsersRepository(db.prisma);
  const audit = new AuditRepository(db.prisma);
  const accessTokens = new AccessTokens({ secret: config.auth.jwtSecret, issuer: config.auth.issuer, ttlSeconds: config.auth.accessTokenTtlSeconds, now: deps.clock });
  const refreshTokens = new RefreshTokens(new RefreshTokensRepository(db.prisma), config.auth.refreshTokenTtlDays);
  const secretBox = secretBoxFor(config.encryption);
  const linking = new LinkingService(new LinksRepository(db.prisma), deps.mode, deps.modeProject, secretBox, logger);
  const memberships = new MembershipsRepository(db.prisma);
  const homeAccess = new HomeAccess(memberships, linking, deps.mode);
  const auth = new AuthService(users, accessTokens, refreshTokens, audit, linking, config.adminEmails);
  const homeModule = buildHomeModule({ prisma: db.prisma, mode: deps.mode, linking, homeAccess, memberships, users, audit, auth, adminEmails: config.adminEmails, commandPolicyFile: config.commandPolicyFile, notifier: deps.notifier });
  const metrics = deps.metrics ?? createMetrics();
  const serviceClients = buildServiceClients({ prisma: db.prisma, audit, users, accessTokens, metrics: metrics.registry, logger });
  const authLimits: AuthRouteLimits = { perIpPerMinute: config.rateLimits.authPerMinute, failuresPerAccountPer15Min: config.rateLimits.loginFailuresPerAccount, stores: rateLimitStores };
  const oauthApps = buildOAuthApps({ prisma: db.prisma, config, logger, users, auth, audit, limits: authLimits });
  const eventPipeline = buildEventPipeline({ config, logger, db, mode: deps.mode, modeProject: deps.modeProject, linking, memberships, homeAccess, metrics: metrics.registry, eventBus: deps.eventBus });
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
    guards: createGuards({ accessTokens, users, services: serviceClients.principals, apps: oauthApps.principals }),
    mode: deps.mode,
    modeProject: deps.modeProject,
    linking,
    memberships,
    homeAccess,
    ...homeModule,
    serviceClients: serviceClients.service,
    admin: buildAdminServices(db.prisma, audit, deps.modeAccountRemover ?? projectModeAccountRemover(deps.mode, deps.modeProject)),
    ...eventPipeline,
    oauthApps,
  };
}
