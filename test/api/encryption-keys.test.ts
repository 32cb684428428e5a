import { randomBytes } from 'node:crypto';
import { bearer, registerAccount } from '../fixtures/accounts';
import { startTestApp, type TestApp } from '../support/test-app';

// A key rotation in progress: the server runs with a new TOKEN_ENCRYPTION_KEY and lists the old
// one in TOKEN_ENCRYPTION_KEY_PREVIOUS; MODE keys sealed under the old one must still open.

const oldKey = randomBytes(32).toString('hex');
const newKey = randomBytes(32).toString('hex');

let before: TestApp;
let after: TestApp;

beforeAll(async () => {
  before = await startTestApp({ env: { TOKEN_ENCRYPTION_KEY: oldKey } });
});
afterAll(async () => {
  await after?.close();
  await before.close();
});

test('when the server restarts with a new key and the old one as previous, then users whose MODE keys the old key sealed keep working', async () => {
  const account = await registerAccount(before.http);
  const home = await before.http.post('/v1/homes').set(bearer(account.accessToken)).send({ name: 'Sealed under the old key' });
  expect(home.status).toBe(201);
  const link = await before.database.db.prisma.modeLink.findUniqueOrThrow({ where: { userId: account.id } });
  expect(link.keyId).toBe(before.services.secretBox.currentKeyId);

  after = await startTestApp({ env: { TOKEN_ENCRYPTION_KEY: newKey, TOKEN_ENCRYPTION_KEY_PREVIOUS: oldKey }, sharing: before });
  expect(after.services.secretBox.currentKeyId).not.toBe(link.keyId);
  const homes = await after.http.get('/v1/homes').set(bearer(account.accessToken));
  expect(homes.status).toBe(200);
  expect(homes.body.map((h: { id: number }) => h.id)).toEqual([home.body.id]);
});
