// MODE's answers are read for the fields the bridge uses, after MODE's published models: fields it
// does not use may be missing or extra; a field it needs missing is a bad gateway naming call and field.
import { ModeBadGatewayError, ModeClient } from '../../src/mode';
import { json, type Stub, startStub } from './stub-server';

const KEY = 'answers-key';

describe('reading MODE\'s answers', () => {
  let stub: Stub | undefined;
  let client: ModeClient;

  async function answer(body: unknown) {
    stub = await startStub((_hit, res) => json(res, 200, body));
    client = new ModeClient({ baseUrl: stub.url, retries: { attempts: 1 } });
  }

  afterEach(async () => {
    await client.close();
    await stub?.close();
    stub = undefined;
  });

  test('when a member comes as MODE\'s model has it (no homeId, with email), then it is read', async () => {
    const member = { userId: 5, name: 'Ann', verified: true, creationTime: '2024-01-01T00:00:00Z', role: 'owner', email: 'a@example.com' };
    await answer([member]);

    await expect(client.listMembers(KEY, 3)).resolves.toEqual([member]);
  });

  test('when a device comes with MODE\'s fields and none of the emulator\'s extras, then it is read', async () => {
    const device = {
      id: 8, projectId: 9, deviceClass: 'lamp', name: 'Lamp', tag: '', homeId: 3, claimTime: '2024-01-01T00:00:00Z',
      claimExpirationTime: null, lastConnectTime: '2024-01-02T00:00:00Z', lastDisconnectTime: null, isConnected: true, channel: 'stable',
    };
    await answer(device);

    await expect(client.getDevice(KEY, 8)).resolves.toEqual(device);
  });

  test('when a device that never connected leaves lastConnectTime out, then it reads as null', async () => {
    await answer({ id: 8, projectId: 9, deviceClass: 'lamp', name: '', tag: '', homeId: 3, isConnected: false });

    await expect(client.getDevice(KEY, 8)).resolves.toMatchObject({ lastConnectTime: null });
  });

  test('when a smart module comes in MODE\'s model, and a user without name or times, then both are read', async () => {
    const module = { id: 'webhooks', description: 'd', moduleType: 'webhooks', suspended: false, version: 3, creationTime: 't', extra: 1 };
    await answer([module]);
    await expect(client.listSmartModules(KEY, 3)).resolves.toEqual([module]);
    await client.close();
    await stub?.close();

    await answer({ id: 77 });
    await expect(client.createUser(KEY, 9)).resolves.toEqual({ id: 77 });
  });

  test('when a member lacks the userId the bridge needs, then a bad gateway names the call and the field, never a value', async () => {
    await answer([{ name: 'secret-name', verified: true, creationTime: 't', role: 'member' }]);

    const error = await client.listMembers(KEY, 3).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect((error as Error).message).toContain('GET /homes/3/members');
    expect((error as Error).message).toContain('0.userId');
    expect((error as Error).message).not.toContain('secret-name');
  });
});
