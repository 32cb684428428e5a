import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../src/lib/errors';
import { buildAdminServices } from '../../src/modules/admin/admin.module';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { RefreshTokens } from '../../src/modules/auth/refresh-tokens';
import { RefreshTokensRepository } from '../../src/modules/auth/refresh-tokens.repository';
import { UsersRepository } from '../../src/modules/users/users.repository';
import { fakeModeRemover } from '../fixtures/admin';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

// The `user` script's logic: the lifecycle service as the command line uses it (no admin user ID).

let database: TestDatabase;
const cli = { userId: null, via: 'cli' as const, operator: 'ops' };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const prisma = () => database.db.prisma;
const audit = () => new AuditRepository(prisma(), database.db.sql);

async function makeUser(options: { modeUserId?: number; password?: boolean; role?: 'user' | 'admin' } = {}) {
  const user = await new UsersRepository(prisma(), database.db.sql).create({
    email: `cli.${randomBytes(5).toString('hex')}@example.com`,
    name: 'Cli',
    passwordHash: options.password === false ? null : '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$3Jf1rNq0c5SxXiv3v0eXcQ1ojQy4k1T8w5zW2VbL7fE',
    role: options.role ?? 'user',
    status: options.password === false ? 'invited' : 'active',
  });
  if (options.modeUserId) await prisma().modeLink.update({ where: { userId: user.id }, data: { modeUserId: options.modeUserId, status: 'linked' } });
  const { refreshToken } = await new RefreshTokens(new RefreshTokensRepository(database.db.sql), 30).start(user.id);
  return { ...user, refreshToken };
}

const liveTokens = (userId: string) => prisma().refreshToken.count({ where: { userId, revokedAt: null } });

test('when a user is looked up by email in any case or by id, then it is found; when unknown, then not found', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit());
  const user = await makeUser();
  expect((await lifecycle.find(user.email.toUpperCase())).id).toBe(user.id);
  expect((await lifecycle.find(user.id)).email).toBe(user.email);
  await expect(lifecycle.find('nobody@example.com')).rejects.toBeInstanceOf(NotFoundError);
  await expect(lifecycle.find('neither-id-nor-email')).rejects.toBeInstanceOf(NotFoundError);
});

test('when disabled from the command line, then sessions are revoked and the audit entry names the operator', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit());
  const user = await makeUser();
  const outcome = await lifecycle.change(cli, user.id, 'disable');
  expect(outcome).toMatchObject({ changed: true, revokedTokens: 1, after: { status: 'disabled' } });
  expect(await liveTokens(user.id)).toBe(0);
  const [entry] = await audit().list({ targetId: user.id, action: 'admin.user.disable', limit: 1 });
  expect(entry).toMatchObject({ actorType: 'admin', actorId: null, result: 'success', details: { via: 'cli', operator: 'ops' } });
});

test('when an invited user who was disabled is enabled, then they are invited again, not active without a password', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit());
  const user = await makeUser({ password: false });
  await lifecycle.change(cli, user.id, 'disable');
  expect((await lifecycle.change(cli, user.id, 'enable')).after.status).toBe('invited');
});

test('when promoted and demoted, then the role follows; repeating an action changes nothing', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit());
  const user = await makeUser();
  expect((await lifecycle.change(cli, user.id, 'promote')).after.role).toBe('admin');
  expect(await lifecycle.change(cli, user.id, 'promote')).toMatchObject({ changed: false });
  expect((await lifecycle.change(cli, user.id, 'demote')).after.role).toBe('user');
});

test('when run as a dry run, then the outcome is described and nothing is written', async () => {
  const remover = fakeModeRemover();
  const { lifecycle } = buildAdminServices(prisma(), audit(), remover);
  const user = await makeUser({ modeUserId: 700_001 });
  const auditBefore = await prisma().auditEntry.count();
  expect(await lifecycle.change(cli, user.id, 'disable', { dryRun: true })).toMatchObject({ dryRun: true, changed: true, after: { status: 'disabled' } });
  expect(await lifecycle.delete(cli, user.id, { dryRun: true })).toMatchObject({ dryRun: true, removedModeUserId: 700_001 });
  expect((await lifecycle.find(user.id)).status).toBe('active');
  expect(await liveTokens(user.id)).toBe(1);
  expect(remover.removed).toEqual([]);
  expect(await prisma().auditEntry.count()).toBe(auditBefore);
});

test('when a linked user is deleted, then the MODE user is removed first and the account with its link is gone', async () => {
  const remover = fakeModeRemover();
  const { lifecycle } = buildAdminServices(prisma(), audit(), remover);
  const user = await makeUser({ modeUserId: 700_002 });
  const outcome = await lifecycle.delete(cli, user.id);
  expect(outcome).toMatchObject({ removedModeUserId: 700_002, revokedTokens: 1 });
  expect(remover.removed).toEqual([700_002]);
  expect(await prisma().user.findUnique({ where: { id: user.id } })).toBeNull();
  expect(await prisma().modeLink.findUnique({ where: { userId: user.id } })).toBeNull();
});

test('when the user has no MODE counterpart, then deleting does not call MODE', async () => {
  const remover = fakeModeRemover();
  const { lifecycle } = buildAdminServices(prisma(), audit(), remover);
  const user = await makeUser();
  await lifecycle.delete(cli, user.id);
  expect(remover.removed).toEqual([]);
  expect(await prisma().user.findUnique({ where: { id: user.id } })).toBeNull();
});

test('when MODE removal is not wired, then deleting a linked user is refused and the user is left disabled', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit());
  const user = await makeUser({ modeUserId: 700_003 });
  await expect(lifecycle.delete(cli, user.id)).rejects.toBeInstanceOf(ServiceUnavailableError);
  expect((await lifecycle.find(user.id)).status).toBe('disabled');
  expect(await liveTokens(user.id)).toBe(0);
});

test('when an admin acts on their own account through the service, then disable, demote and delete are refused', async () => {
  const { lifecycle } = buildAdminServices(prisma(), audit(), fakeModeRemover());
  const self = await makeUser({ role: 'admin' });
  const actor = { userId: self.id, via: 'api' as const };
  await expect(lifecycle.change(actor, self.id, 'disable')).rejects.toBeInstanceOf(ConflictError);
  await expect(lifecycle.change(actor, self.id, 'demote')).rejects.toBeInstanceOf(ConflictError);
  await expect(lifecycle.delete(actor, self.id)).rejects.toBeInstanceOf(ConflictError);
  expect(await lifecycle.change(actor, self.id, 'promote')).toMatchObject({ changed: false });
  expect(await lifecycle.find(self.id)).toMatchObject({ role: 'admin', status: 'active' });
});
