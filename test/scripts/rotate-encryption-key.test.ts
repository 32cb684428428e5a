import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/lib/secret-box';
import { KeyRotationRepository } from '../../src/modules/admin/key-rotation.repository';
import { rotateEncryptionKeys } from '../../src/modules/admin/key-rotation.service';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { UsersRepository } from '../../src/modules/users/users.repository';
import { createTestDatabase, type TestDatabase } from '../support/database-template';

let database: TestDatabase;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const strangerKey = randomBytes(32);
const actor = { userId: null, via: 'cli' as const };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());
beforeEach(() => database.db.prisma.user.deleteMany());

const prisma = () => database.db.prisma;
const deps = (box: SecretBox) => ({ keys: new KeyRotationRepository(prisma()), secretBox: box, audit: new AuditRepository(prisma(), database.db.sql) });

/** Users whose MODE keys are sealed by `box`; returns userId -> plaintext key. */
async function usersWithKeys(box: SecretBox, count: number): Promise<Map<string, string>> {
  const users = new UsersRepository(prisma(), database.db.sql);
  const keys = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const user = await users.create({ email: `k${i}.${randomBytes(4).toString('hex')}@example.com`, name: '', passwordHash: null, role: 'user', status: 'active' });
    const plaintext = `mode-user-key-${randomBytes(8).toString('hex')}`;
    const sealed = box.seal(plaintext);
    await prisma().modeLink.update({ where: { userId: user.id }, data: { status: 'linked', modeUserId: 5000 + Math.floor(Math.random() * 1e6), encryptedKey: sealed.ciphertext, keyId: sealed.keyId } });
    keys.set(user.id, plaintext);
  }
  return keys;
}

async function storedKeys() {
  const rows = await prisma().modeLink.findMany({ where: { encryptedKey: { not: null } } });
  return new Map(rows.map((row) => [row.userId, { keyId: row.keyId!, ciphertext: row.encryptedKey! }]));
}

test('when keys were sealed with the old key, then after rotation the new key alone opens every one of them', async () => {
  const keys = await usersWithKeys(new SecretBox(oldKey), 7);
  const summary = await rotateEncryptionKeys(deps(new SecretBox(newKey, [oldKey])), { actor, batchSize: 3 });
  expect(summary).toMatchObject({ rotated: 7, unreadable: 0, alreadyCurrent: 0, changedMeanwhile: 0, interrupted: false });
  const onlyNew = new SecretBox(newKey);
  const stored = await storedKeys();
  expect(keys.size).toBe(7);
  for (const [userId, key] of keys) {
    const sealed = stored.get(userId);
    expect(sealed?.keyId).toBe(onlyNew.currentKeyId);
    expect(onlyNew.open(sealed!)).toBe(key);
  }
  const [entry] = await new AuditRepository(prisma(), database.db.sql).list({ action: 'admin.keys.rotate', limit: 1 });
  expect(entry).toMatchObject({ actorType: 'admin', result: 'success' });
});

test('when the rotation runs again, then rows under the current key are left alone', async () => {
  await usersWithKeys(new SecretBox(oldKey), 3);
  const box = new SecretBox(newKey, [oldKey]);
  await rotateEncryptionKeys(deps(box), { actor });
  const before = await storedKeys();
  const again = await rotateEncryptionKeys(deps(box), { actor });
  expect(again).toMatchObject({ rotated: 0, alreadyCurrent: 3 });
  expect(await storedKeys()).toEqual(before);
});

test('when a key was sealed by a key that is not configured, then it is reported, left as is, and the others rotate', async () => {
  await usersWithKeys(new SecretBox(oldKey), 2);
  const [lost] = [...(await usersWithKeys(new SecretBox(strangerKey), 1)).keys()];
  const unreadable: Array<{ userId: string; reason: string }> = [];
  const summary = await rotateEncryptionKeys(deps(new SecretBox(newKey, [oldKey])), { actor, onUnreadable: (row) => unreadable.push(row) });
  expect(summary).toMatchObject({ rotated: 2, unreadable: 1 });
  expect(unreadable).toEqual([expect.objectContaining({ userId: lost, reason: expect.stringMatching(/TOKEN_ENCRYPTION_KEY_PREVIOUS/) })]);
  expect((await storedKeys()).get(lost!)!.keyId).toBe(new SecretBox(strangerKey).currentKeyId);
});

test('when run as a dry run, then it counts per key and writes nothing', async () => {
  await usersWithKeys(new SecretBox(oldKey), 4);
  await usersWithKeys(new SecretBox(newKey), 2);
  await usersWithKeys(new SecretBox(strangerKey), 1);
  const before = await storedKeys();
  const box = new SecretBox(newKey, [oldKey]);
  const summary = await rotateEncryptionKeys(deps(box), { actor, dryRun: true });
  expect(summary).toMatchObject({ dryRun: true, rotated: 4, alreadyCurrent: 2, unreadable: 1 });
  expect(summary.byKeyId).toEqual({ [new SecretBox(oldKey).currentKeyId]: 4, [box.currentKeyId]: 2, [new SecretBox(strangerKey).currentKeyId]: 1 });
  expect(await storedKeys()).toEqual(before);
});

test('when a row changed after it was read (a new key was issued), then the rotation does not overwrite it', async () => {
  const [userId] = [...(await usersWithKeys(new SecretBox(oldKey), 1)).keys()];
  const repository = new KeyRotationRepository(prisma());
  const [row] = await repository.nextBatch(new SecretBox(newKey).currentKeyId, undefined, 10);
  const fresh = new SecretBox(newKey).seal('freshly issued key');
  await prisma().modeLink.update({ where: { userId: userId! }, data: { encryptedKey: fresh.ciphertext, keyId: fresh.keyId } });
  expect(await repository.replace(userId!, row!.sealed!, new SecretBox(newKey).seal('stale'))).toBe(false);
  expect(new SecretBox(newKey).open((await storedKeys()).get(userId!)!)).toBe('freshly issued key');
});

test('when interrupted, then a second run rotates exactly the rest', async () => {
  await usersWithKeys(new SecretBox(oldKey), 6);
  const box = new SecretBox(newKey, [oldKey]);
  const controller = new AbortController();
  let done = 0;
  const first = await rotateEncryptionKeys(deps(box), { actor, batchSize: 2, signal: controller.signal, progress: { increment: () => void (++done === 2 && controller.abort()) } });
  expect(first).toMatchObject({ interrupted: true, rotated: 2 });
  const second = await rotateEncryptionKeys(deps(box), { actor });
  expect(second).toMatchObject({ rotated: 4, alreadyCurrent: 2, interrupted: false });
});
