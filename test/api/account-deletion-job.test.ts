import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, registerAccount, type Account } from '../fixtures/accounts';
import { patientBreaker } from '../fixtures/homes';
import { createLogger } from '../../src/lib/logger';
import { ModeClient } from '../../src/mode';
import { MODE_USER_DELETE_TOPIC } from '../../src/modules/linking/mode-user-deletion';
import { buildServices } from '../../src/services';

// Deleting an account while MODE is down: the answer does not wait for MODE, the job that
// deletes the MODE user keeps its data after the local rows are gone, survives a restart (new
// services on the same database) and completes once MODE is back.

let app: TestApp;

beforeAll(async () => {
  // One attempt before a dead letter for every other topic: this one must not be dead-lettered.
  // A breaker that stays closed, so every attempt reaches the (failing) emulator.
  app = await startTestApp({ env: { OUTBOX_MAX_ATTEMPTS: '1', OUTBOX_RETRY_BASE_MS: '10' }, mode: patientBreaker });
});
afterEach(() => app.emulator.control.setFault(null));
afterAll(() => app.close());

const prisma = () => app.database.db.prisma;
interface EmulatorState {
  users: Array<{ id: number }>;
  userKeys: Array<{ userId: number; key: string }>;
}
const emulatorState = () => app.emulator.control.getState() as EmulatorState;
const modeUserExists = (modeUserId: number) => emulatorState().users.some((user) => user.id === modeUserId);
const jobOf = (modeUserId: number) => prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `mode-user-delete:${modeUserId}` } });
/** Skips the backoff of a failed attempt, as waiting it out would: the next pass finds the job due. */
const makeDue = (id: bigint) => prisma().outboxMessage.update({ where: { id }, data: { nextAttemptAt: new Date(0) } });

async function linkedAccount(): Promise<Account & { modeUserId: number }> {
  const account = await registerAccount(app.http);
  expect(account.user.link.status).toBe('linked');
  return { ...account, modeUserId: account.user.link.modeUserId! };
}

/** A second instance of the bridge on the same database, as after a restart: nothing of the first in memory. */
function restartedServices() {
  const mode = new ModeClient({ baseUrl: app.emulator.url, responseTimeoutMs: 2_000, retries: { baseDelayMs: 5, maxDelayMs: 20 } });
  const services = buildServices({
    config: app.config,
    logger: createLogger('silent'),
    db: app.database.db,
    mode,
    modeProject: { projectId: app.emulator.projectId, projectKey: app.emulator.projectKey },
  });
  return { services, close: () => mode.close() };
}

test('when MODE is down, then the account is deleted at once, the MODE job is retried past the attempt limit, and after a restart it deletes the MODE user once MODE is back', async () => {
  const account = await linkedAccount();
  const { modeUserId } = account;
  app.emulator.control.setFault({ kind: 'status', status: 503 });

  const res = await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password });

  expect(res.status).toBe(204);
  expect(await prisma().user.count({ where: { id: account.id } })).toBe(0);
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const job = await jobOf(modeUserId);
    await makeDue(job.id);
    await app.services.outbox.dispatcher.runOnce();
    const after = await jobOf(modeUserId);
    expect({ attempt, status: after.status, attempts: after.attempts }).toEqual({ attempt, status: 'pending', attempts: attempt });
    expect(after.lastError).toContain(`/users/${modeUserId}`);
  }
  expect(modeUserExists(modeUserId)).toBe(true);

  app.emulator.control.setFault(null);
  const restarted = restartedServices();
  try {
    await makeDue((await jobOf(modeUserId)).id);
    await restarted.services.outbox.dispatcher.drain();
  } finally {
    await restarted.close();
  }

  expect(modeUserExists(modeUserId)).toBe(false);
  expect((await jobOf(modeUserId)).status).toBe('sent');
});

test('when MODE no longer accepts the user’s stored key, then a fresh key is issued with the project key and the MODE user is still deleted', async () => {
  const account = await linkedAccount();
  const { modeUserId } = account;
  app.emulator.control.revokeUserKeys(modeUserId);

  await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password }).expect(204);
  await app.services.outbox.dispatcher.drain();

  expect(modeUserExists(modeUserId)).toBe(false);
  expect((await jobOf(modeUserId)).status).toBe('sent');
  const calls = app.emulator.control.requests().filter((call) => call.path === `/users/${modeUserId}` || call.path === '/auth/user');
  expect(calls.map((call) => `${call.method} ${call.path}`).slice(-3)).toEqual([`DELETE /users/${modeUserId}`, 'POST /auth/user', `DELETE /users/${modeUserId}`]);
});

test('when MODE deleted the user but its answer was lost, then the retry finds the user gone and the job completes', async () => {
  const account = await linkedAccount();
  const { modeUserId } = account;
  await app.http.delete('/v1/me').set(bearer(account.accessToken)).send({ password: account.password }).expect(204);
  // What a lost answer leaves behind: MODE has done it, the job does not know.
  const job = await jobOf(modeUserId);
  const ownKey = emulatorState().userKeys.find((key) => key.userId === modeUserId)!.key;
  await fetch(`${app.emulator.url}/users/${modeUserId}`, { method: 'DELETE', headers: { Authorization: `ModeCloud ${ownKey}` } });
  expect(modeUserExists(modeUserId)).toBe(false);

  await app.services.outbox.dispatcher.drain();

  expect((await prisma().outboxMessage.findUniqueOrThrow({ where: { id: job.id } })).status).toBe('sent');
  const audit = await prisma().auditEntry.findFirst({ where: { action: 'mode.user_delete', targetId: String(modeUserId) } });
  expect(audit?.details).toMatchObject({ how: 'already_gone' });
});

test('when the job payload is malformed, then it is dead-lettered rather than retried forever', async () => {
  await app.database.db.sql.query(`INSERT INTO outbox_messages (idempotency_key, topic, payload) VALUES ('mode-user-delete:broken', $1, '{"modeUserId": "x"}'::jsonb)`, [MODE_USER_DELETE_TOPIC]);

  await app.services.outbox.dispatcher.drain();

  const row = await prisma().outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'mode-user-delete:broken' } });
  expect(row.status).toBe('dead');
  expect(row.lastError).toMatch(/malformed/);
});
