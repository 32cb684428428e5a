import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../../src/lib/errors';
import { OutboxMessagesService } from '../../src/modules/admin/outbox-messages.service';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { OutboxAdminRepository } from '../../src/modules/outbox/outbox-admin.repository';
import { OutboxRepository, type OutboxStatus } from '../../src/modules/outbox/outbox.repository';
import { tempDir } from '../fixtures/admin';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

// The `outbox` script's logic against a real database (the service as the command line uses it),
// then the script itself for what happens before it opens a database.

let database: TestDatabase;
const cli = { userId: null, via: 'cli' as const, operator: 'ops' };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const service = () => new OutboxMessagesService(new OutboxAdminRepository(database.db.sql), new AuditRepository(database.db.prisma, database.db.sql));
/** A topic of this test's own, so tests sharing the database do not see each other's messages. */
const newTopic = () => `test.${randomBytes(4).toString('hex')}`;

interface Seed {
  topic: string;
  status?: OutboxStatus;
  attempts?: number;
  lastError?: string;
  ageSeconds?: number;
  payload?: unknown;
}

async function seed(message: Seed): Promise<string> {
  const [row] = await database.db.sql.query<{ id: string }>(
    `INSERT INTO outbox_messages (idempotency_key, topic, payload, status, attempts, last_error, created_at, next_attempt_at)
     VALUES ($1, $2, $3::jsonb, $4::"OutboxStatus", $5, $6, now() - make_interval(secs => $7), now() + interval '1 hour')
     RETURNING id::text AS id`,
    [`key:${randomBytes(6).toString('hex')}`, message.topic, JSON.stringify(message.payload ?? { to: 'someone@example.com' }), message.status ?? 'pending', message.attempts ?? 0, message.lastError ?? null, message.ageSeconds ?? 0],
  );
  return row!.id;
}

const statusOf = async (id: string) => (await new OutboxAdminRepository(database.db.sql).find(id))!;
const retryAudit = (id: string) => new AuditRepository(database.db.prisma, database.db.sql).list({ action: 'admin.outbox.retry', targetId: id, limit: 10 });

test('when counted, then messages are grouped by topic and state, with the age of the oldest pending one', async () => {
  const topic = newTopic();
  await seed({ topic, status: 'pending', ageSeconds: 7200 });
  await seed({ topic, status: 'pending', ageSeconds: 60 });
  await seed({ topic, status: 'sent' });
  await seed({ topic, status: 'dead', attempts: 8, ageSeconds: 90_000 });
  const quiet = newTopic();
  await seed({ topic: quiet, status: 'sent' });

  const counts = await service().counts();
  const mine = counts.byTopic.find((row) => row.topic === topic)!;
  expect(mine).toMatchObject({ pending: 2, sent: 1, dead: 1 });
  expect(mine.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(7200);
  expect(mine.oldestPendingAgeSeconds).toBeLessThan(7300);
  expect(counts.byTopic.find((row) => row.topic === quiet)).toMatchObject({ pending: 0, sent: 1, dead: 0, oldestPendingAt: null, oldestPendingAgeSeconds: null });
  const sum = (status: OutboxStatus) => counts.byTopic.reduce((total, row) => total + row[status], 0);
  expect(counts.totals).toEqual({ pending: sum('pending'), sent: sum('sent'), dead: sum('dead') });
  expect(counts.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(7200);
});

test('when listed with a state or topic, then only those come, newest first, limited, and without payloads', async () => {
  const topic = newTopic();
  const first = await seed({ topic, status: 'dead', attempts: 8, lastError: 'HTTP 500' });
  const second = await seed({ topic, status: 'dead', attempts: 8, lastError: 'HTTP 502' });
  const pending = await seed({ topic, status: 'pending' });
  await seed({ topic: newTopic(), status: 'dead' });

  const dead = await service().list({ topic, status: 'dead', limit: 50 });
  expect(dead.map((m) => m.id)).toEqual([second, first]);
  expect(dead[0]).toMatchObject({ topic, status: 'dead', attempts: 8, lastError: 'HTTP 502' });
  expect(dead[0]).not.toHaveProperty('payload');
  expect((await service().list({ topic, limit: 50 })).map((m) => m.id)).toEqual([pending, second, first]);
  expect((await service().list({ topic, limit: 1 })).map((m) => m.id)).toEqual([pending]);
  expect((await service().list({ status: 'dead', limit: 1000 })).every((m) => m.status === 'dead')).toBe(true);
});

test('when one message is shown, then the payload is there only when asked for; an unknown ID is not found', async () => {
  const id = await seed({ topic: newTopic(), payload: { to: 'ann@example.com', subject: 'Hi' } });
  const plain = await service().show(id);
  expect(plain.message).not.toHaveProperty('payload');
  expect(plain.message.payloadBytes).toBeGreaterThan(10);
  expect((await service().show(id, { payload: true })).message.payload).toEqual({ to: 'ann@example.com', subject: 'Hi' });
  await expect(service().show('999999999')).rejects.toBeInstanceOf(NotFoundError);
});

test('when dead messages are retried, then they are pending with no attempts, due now, claimable, and audited', async () => {
  const topic = newTopic();
  const id = await seed({ topic, status: 'dead', attempts: 8, lastError: 'HTTP 500' });
  const outcome = await service().retry(cli, [id]);
  expect(outcome).toEqual({ dryRun: false, retried: [{ id, topic, idempotencyKey: expect.any(String), previousAttempts: 8, lastError: 'HTTP 500' }], skipped: [], unknown: [] });

  const row = await statusOf(id);
  expect(row).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null });
  expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  const claimed = await new OutboxRepository(database.db.sql).claim([{ topics: [topic], limit: 10 }], 60_000);
  expect(claimed.map((m) => [m.id, m.attempts])).toEqual([[id, 1]]);

  const [entry] = await retryAudit(id);
  expect(entry).toMatchObject({ actorType: 'admin', actorId: null, targetType: 'outbox_message', result: 'success', details: { via: 'cli', operator: 'ops', changed: true, from: 'dead', to: 'pending', attempts: 8, topic } });
});

test('when the named messages are not dead or do not exist, then they are left untouched and reported as such', async () => {
  const topic = newTopic();
  const dead = await seed({ topic, status: 'dead', attempts: 8 });
  const sent = await seed({ topic, status: 'sent', attempts: 1 });
  const pending = await seed({ topic, status: 'pending', attempts: 3 });
  const outcome = await service().retry(cli, [dead, sent, pending, '999999998', dead]);
  expect(outcome.retried.map((m) => m.id)).toEqual([dead]);
  expect(outcome.skipped).toEqual([{ id: sent, status: 'sent' }, { id: pending, status: 'pending' }]);
  expect(outcome.unknown).toEqual(['999999998']);
  expect(await statusOf(sent)).toMatchObject({ status: 'sent', attempts: 1 });
  expect(await statusOf(pending)).toMatchObject({ status: 'pending', attempts: 3 });
  expect((await retryAudit(sent))[0]).toMatchObject({ details: { changed: false, status: 'sent' } });
});

test('when every dead message of one topic is retried, then those go back to pending and other topics stay dead', async () => {
  const topic = newTopic();
  const other = newTopic();
  const mine = [await seed({ topic, status: 'dead', attempts: 8 }), await seed({ topic, status: 'dead', attempts: 2 }), await seed({ topic, status: 'dead', attempts: 8 })];
  const sent = await seed({ topic, status: 'sent' });
  const theirs = await seed({ topic: other, status: 'dead', attempts: 8 });

  const outcome = await service().retryAllDead(cli, { topic, batchSize: 2 });
  expect(outcome).toMatchObject({ dryRun: false, topic, interrupted: false });
  expect(outcome.retried.map((m) => m.id)).toEqual(mine);
  for (const id of mine) expect(await statusOf(id)).toMatchObject({ status: 'pending', attempts: 0 });
  expect(await statusOf(sent)).toMatchObject({ status: 'sent' });
  expect(await statusOf(theirs)).toMatchObject({ status: 'dead', attempts: 8 });
  expect(await retryAudit(mine[1]!)).toHaveLength(1);
  const [run] = await new AuditRepository(database.db.prisma, database.db.sql).list({ action: 'admin.outbox.retry_all_dead', limit: 1 });
  expect(run).toMatchObject({ details: { topic, retried: 3, operator: 'ops' } });

  expect((await service().retryAllDead(cli, { topic })).retried).toEqual([]);
});

test('when run as a dry run, then the messages that would be retried are named and nothing is written', async () => {
  const topic = newTopic();
  const dead = await seed({ topic, status: 'dead', attempts: 8 });
  const sent = await seed({ topic, status: 'sent' });
  const auditBefore = await database.db.prisma.auditEntry.count();

  const named = await service().retry(cli, [dead, sent], { dryRun: true });
  expect(named).toMatchObject({ dryRun: true, retried: [{ id: dead, previousAttempts: 8 }], skipped: [{ id: sent, status: 'sent' }], unknown: [] });
  const all = await service().retryAllDead(cli, { topic, dryRun: true });
  expect(all.retried.map((m) => m.id)).toEqual([dead]);

  expect(await statusOf(dead)).toMatchObject({ status: 'dead', attempts: 8 });
  expect(await database.db.prisma.auditEntry.count()).toBe(auditBefore);
});

describe('command line', () => {
  // Through tsx, so no build is needed. None of these runs gets as far as opening a database.
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        tsx,
        [join(__dirname, '..', '..', 'scripts', 'outbox.ts'), ...args],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: '', DATA_DIR: tempDir(), LOG_LEVEL: 'warn', ...env } },
        (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });

  test('when asked for --help, then it prints its usage and exits 0; bad usage exits 2; a held embedded database exits 4', async () => {
    const dataDir = tempDir();
    // This test process stands in for a running server: alive, on this host.
    writeFileSync(join(dataDir, 'server.lock'), JSON.stringify({ pid: process.pid, hostname: hostname(), owner: 'the mode-bridge server', startedAt: new Date().toISOString() }));
    const [help, noYes, locked] = await Promise.all([run(['--help']), run(['retry', '--all-dead']), run(['counts'], { DATA_DIR: dataDir })]);

    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: npm run outbox -- <counts|list|show|retry>');
    expect(help.stdout).toContain('Exit codes:');
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    expect(noYes.stderr).toContain('npm run outbox -- --help');
    expect(locked.status).toBe(4);
    expect(locked.stderr).toMatch(/in use by the mode-bridge server/);
  }, 120_000);
});
