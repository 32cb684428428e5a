import type { PrismaClient } from '../../db/database';
import type { SecretBox } from '../../lib/secret-box';
import type { ModeClient } from '../../mode';
import type { AuditRepository } from '../audit/audit.repository';
import type { AuthService } from '../auth/auth.service';
import { DeviceStateRepository } from '../devices/device-state.repository';
import { DevicesRepository } from '../devices/devices.repository';
import { DevicesService } from '../devices/devices.service';
import { StoredNotifier } from '../invitations/invitation-notices.repository';
import { InvitationsRepository } from '../invitations/invitations.repository';
import { InvitationsService } from '../invitations/invitations.service';
import type { Notifier } from '../invitations/notifier';
import { KvService } from '../kv/kv.service';
import type { LinkingService } from '../linking/linking.service';
import { loadCommandPolicy } from '../policy/command-policy';
import type { UsersRepository } from '../users/users.repository';
import type { HomeAccess } from './home-access';
import { HomesService } from './homes.service';
import type { MembershipsRepository } from './memberships.repository';
import { MembersService } from './members.service';

// Everything users do in MODE through the bridge: homes, members (with invitations), devices
// and commands, the key-value store. Built once by the composition root.

export interface HomeModuleDeps {
  prisma: PrismaClient;
  mode: ModeClient;
  linking: LinkingService;
  homeAccess: HomeAccess;
  memberships: MembershipsRepository;
  users: UsersRepository;
  audit: AuditRepository;
  auth: AuthService;
  adminEmails: string[];
  /** Seals the invitation token in its outbox e-mail. */
  secretBox: SecretBox;
  /** Unset: the shipped config/command-policy.json. Read now, so a bad file stops the start. */
  commandPolicyFile?: string;
  /** Unset: notifications and invitation e-mails are stored (inbox row + outbox message). */
  notifier?: Notifier;
}

export interface HomeModule {
  homes: HomesService;
  members: MembersService;
  devices: DevicesService;
  kv: KvService;
  invitations: InvitationsService;
}

export function buildHomeModule(deps: HomeModuleDeps): HomeModule {
  const { prisma, mode, linking, homeAccess, memberships, users, audit } = deps;
  const devicesRepository = new DevicesRepository(prisma);
  const notifier = deps.notifier ?? new StoredNotifier(prisma, deps.secretBox);
  const invitations = new InvitationsService(users, new InvitationsRepository(prisma), notifier, deps.auth, audit, deps.adminEmails);
  return {
    homes: new HomesService(mode, linking, homeAccess, memberships, devicesRepository),
    members: new MembersService(mode, linking, homeAccess, memberships, users, invitations),
    devices: new DevicesService(mode, linking, homeAccess, devicesRepository, loadCommandPolicy(deps.commandPolicyFile), audit, new DeviceStateRepository(prisma)),
    kv: new KvService(mode, linking, homeAccess),
    invitations,
  };
}
