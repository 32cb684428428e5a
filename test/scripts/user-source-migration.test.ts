import { randomUUID } from 'node:crypto';
import { readMigrations } from '../../src/db/migrator';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

// The user_source migration gives accounts that existed before it the source they came from:
// imported ones by their audit entries, invited ones by their invitations.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const backfill = () => {
  const sql = readMigrations().find((m) => m.name.endsWith('_user_source'))!.sql;
  return sql.slice(sql.indexOf('-- Existing accounts'));
};

test('when the migration meets older accounts, then imported and invited ones get their source and the others stay registrations', async () => {
  const prisma = database.db.prisma;
  const host = `${Date.now().toString(36)}.backfill.example.com`;
  const make = (name: string) => prisma.user.create({ data: { id: randomUUID(), email: `${name}@${host}`, link: { create: {} } } });
  const [registered, imported, invited] = [await make('registered'), await make('imported'), await make('invited')];
  await prisma.auditEntry.create({ data: { actorType: 'admin', action: 'admin.user.import', targetType: 'user', targetId: imported.id, result: 'success' } });
  await prisma.invitation.create({ data: { id: randomUUID(), userId: invited.id, homeId: 1, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 86_400_000) } });

  await database.db.sql.exec(backfill());

  const rows = await prisma.user.findMany({ where: { email: { endsWith: `@${host}` } }, orderBy: { email: 'asc' } });
  expect(rows.map((row) => [row.id, row.source])).toEqual([
    [imported.id, 'import'],
    [invited.id, 'invitation'],
    [registered.id, 'registration'],
  ]);
});
