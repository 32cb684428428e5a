import { linkPendingUsers, reissueModeKeys } from '../../scripts/lib/link-jobs';
import { bearer, registerAccount, uniqueEmail, type Account } from '../fixtures/accounts';
import { registerVerifiedAdmin } from '../fixtures/mail';
import { startTestApp, type TestApp } from '../support/test-app';

// link-users and reissue-mode-keys against the emulator over real HTTP, on a real database.

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());
afterEach(() => app.emulator.control.setFault(null));

const jobOptions = () => ({ prisma: app.database.db.prisma, linking: app.services.linking, concurrency: 3, ratePerSecond: 100, attempts: 2, retryDelayMs: 5 });
const linkStatus = async (userId: string) => (await app.database.db.prisma.modeLink.findUniqueOrThrow({ where: { userId } })).status;
const modeUserCount = () => (app.emulator.control.getState() as { users: unknown[] }).users.length;

async function registerWhileModeIsDown(count: number): Promise<Account[]> {
  app.emulator.control.setFault({ kind: 'status', status: 503 });
  const accounts: Account[] = [];
  for (let i = 0; i < count; i += 1) accounts.push(await registerAccount(app.http, { email: uniqueEmail('bulk') }));
  app.emulator.control.setFault(null);
  return accounts;
}

describe('link-users', () => {
  test('when users are pending, then a dry run counts them and contacts MODE for none', async () => {
    await registerWhileModeIsDown(2);
    const before = app.emulator.control.requests().length;
    const summary = await linkPendingUsers({ ...jobOptions(), dryRun: true });
    expect(summary.candidates).toBeGreaterThanOrEqual(2);
    expect(summary.done).toBe(0);
    expect(app.emulator.control.requests().length).toBe(before);
  });

  test('when run, then every pending user is linked once and a second run finds nothing to do', async () => {
    const accounts = await registerWhileModeIsDown(4);
    const usersBefore = modeUserCount();
    const summary = await linkPendingUsers(jobOptions());
    expect(summary.failed).toBe(0);
    for (const account of accounts) expect(await linkStatus(account.id)).toBe('linked');
    expect(modeUserCount() - usersBefore).toBe(summary.done);
    const again = await linkPendingUsers(jobOptions());
    expect(again.candidates).toBe(0);
  });

  test('when MODE fails once for a user, then the retry within the run links it', async () => {
    const [account] = await registerWhileModeIsDown(1);
    app.emulator.control.setFault({ kind: 'status', status: 503, paths: '^POST /auth/user', count: 1 });
    const summary = await linkPendingUsers(jobOptions());
    expect(summary.failed).toBe(0);
    expect(await linkStatus(account!.id)).toBe('linked');
  });

  test('when MODE stays down, then users stay pending, are reported, and the run says incomplete', async () => {
    const [account] = await registerWhileModeIsDown(1);
    app.emulator.control.setFault({ kind: 'status', status: 503 });
    const summary = await linkPendingUsers(jobOptions());
    expect(summary.failed).toBeGreaterThanOrEqual(1);
    expect(summary.failures.map((f) => f.userId)).toContain(account!.id);
    expect(await linkStatus(account!.id)).toBe('pending');
  });
});

describe('reissue-mode-keys', () => {
  test('when keys are re-issued, then the stored key changes, the new key works, and a resumed run skips them', async () => {
    const account = await registerAccount(app.http);
    const before = await app.database.db.prisma.modeLink.findUniqueOrThrow({ where: { userId: account.id } });
    const issuedBefore = new Date(Date.now() + 1000);
    const summary = await reissueModeKeys({ ...jobOptions(), issuedBefore, userIds: [account.id] });
    expect(summary).toMatchObject({ candidates: 1, done: 1, failed: 0 });
    const after = await app.database.db.prisma.modeLink.findUniqueOrThrow({ where: { userId: account.id } });
    expect(after.encryptedKey).not.toBe(before.encryptedKey);
    const { key } = await app.services.linking.ensureLinked(account.id);
    await expect(app.services.mode.getUserSession(key)).resolves.toMatchObject({ userId: account.user.link.modeUserId });

    const resumed = await reissueModeKeys({ ...jobOptions(), issuedBefore: before.keyIssuedAt!, userIds: [account.id] });
    expect(resumed.candidates).toBe(0);
  });
});

describe('deleting a user', () => {
  test('when an admin deletes a linked user, then MODE no longer has the MODE user', async () => {
    const adminEmail = uniqueEmail('admin');
    const adminApp = await startTestApp({ env: { ADMIN_EMAILS: adminEmail } });
    try {
      const admin = await registerVerifiedAdmin(adminApp, adminEmail);
      const user = await registerAccount(adminApp.http);
      const modeUserId = user.user.link.modeUserId!;
      const res = await adminApp.http.delete(`/v1/admin/users/${user.id}`).set(bearer(admin.accessToken));
      expect(res.status).toBe(204);
      const deletion = adminApp.emulator.control.requests().find((r) => r.method === 'DELETE' && r.path === `/users/${modeUserId}`);
      expect(deletion?.authorization).toBe(`ModeCloud ${adminApp.emulator.projectKey}`);
      const users = (adminApp.emulator.control.getState() as { users: { id: number }[] }).users;
      expect(users.map((u) => u.id)).not.toContain(modeUserId);
    } finally {
      await adminApp.close();
    }
  });
});
