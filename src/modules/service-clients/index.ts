import type { Registry } from 'prom-client';
import type { PrismaClient } from '../../db/database';
import type { Logger } from '../../lib/logger';
import type { AuditRepository } from '../audit/audit.repository';
import type { AccessTokens } from '../auth/access-tokens';
import type { UsersRepository } from '../users/users.repository';
import { ServiceCalls } from './service-calls';
import { ServiceClientsRepository } from './service-clients.repository';
import { ServiceClientsService } from './service-clients.service';
import { ServicePrincipals } from './service-principal';

export { registerOAuthRoutes, oauthBodyErrors } from './oauth.router';
export { registerServiceClientRoutes } from './service-clients.router';
export { serviceCallMiddleware } from './service-calls';
export type { ServiceClientsService } from './service-clients.service';

export interface ServiceClientDeps {
  prisma: PrismaClient;
  audit: AuditRepository;
  users: UsersRepository;
  accessTokens: AccessTokens;
  metrics: Registry;
  logger: Logger;
}

/** The admin-facing service and the resolver the guards use for service tokens. */
export function buildServiceClients(deps: ServiceClientDeps): { service: ServiceClientsService; principals: ServicePrincipals } {
  const clients = new ServiceClientsRepository(deps.prisma);
  const calls = new ServiceCalls(deps.audit, deps.metrics, deps.logger);
  return {
    service: new ServiceClientsService(clients, deps.audit, deps.accessTokens),
    principals: new ServicePrincipals(deps.accessTokens, clients, deps.users, calls),
  };
}
