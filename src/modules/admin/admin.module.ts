import type { PrismaClient } from '../../db/database';
import type { AuditRepository } from '../audit/audit.repository';
import { AdminUsersRepository } from './admin-users.repository';
import { AdminUsersService } from './admin-users.service';
import { AuditLogService } from './audit-log.service';
import { unwiredModeAccountRemover, UserLifecycleService, type ModeAccountRemover } from './user-lifecycle.service';

// The admin capability built in one place, for the server (services.ts) and the scripts alike.

export type { ModeAccountRemover };

export interface AdminServices {
  repository: AdminUsersRepository;
  users: AdminUsersService;
  lifecycle: UserLifecycleService;
  auditLog: AuditLogService;
}

export function buildAdminServices(
  prisma: PrismaClient,
  audit: AuditRepository,
  remover: ModeAccountRemover = unwiredModeAccountRemover,
  /** principals.invalidate in the server; scripts rely on the servers' short account cache. */
  accountChanged?: (userId: string) => Promise<void>,
): AdminServices {
  const repository = new AdminUsersRepository(prisma);
  return {
    repository,
    users: new AdminUsersService(repository),
    lifecycle: new UserLifecycleService(repository, audit, remover, accountChanged),
    auditLog: new AuditLogService(audit),
  };
}
