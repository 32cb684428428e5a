// Calls whose effect is not safe to repeat (commands, events, member adds, device claims) are sent
// again only when the first attempt cannot have reached MODE: the connection was never established.
import { ModeBadGatewayError, ModeClient, type ModeRequestEvent, ModeTimeoutError, ModeUnavailableError } from '../../src/mode';
import { closedPort, json, type Stub, startSilentTcp, startStub } from './stub-server';

const KEY = 'never-twice-key';
const fastRetries = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const member = { userId: 7, name: '', verified: true, creationTime: '2024-01-01T00:00:00Z', role: 'member' };

type Call = (client: ModeClient) => Promise<unknown>;
const unsafeCalls: [string, Call][] = [
  ['a command (PUT /devices/:id/command)', (c) => c.sendCommand(KEY, 4, { action: 'toggle' })],
  ['a home event (PUT /homes/:id/event)', (c) => c.sendHomeEvent(KEY, 3, { eventType: 'doorbell' })],
  ['a member add (POST /homes/:id/members)', (c) => c.addMember(KEY, 3, 7)],
  ['a device claim (POST /devices)', (c) => c.addDevice(KEY, { homeId: 3, claimCode: 'C0DE' })],
];

describe('calls not safe to repeat', () => {
  let stub: Stub | undefined;
  let client: ModeClient;
  let events: ModeRequestEvent[];

  function connect(baseUrl: string, overrides: Partial<ConstructorParameters<typeof ModeClient>[0]> = {}) {
    events = [];
    client = new ModeClient({ baseUrl, retries: fastRetries, breaker: { volumeThreshold: 1000 }, onRequest: (e) => events.push(e), ...overrides });
  }

  afterEach(async () => {
    await client.close();
    await stub?.close();
    stub = undefined;
  });

  test.each(unsafeCalls)('when MODE takes %s and drops the connection before answering, then it is sent once and fails as a bad gateway', async (_name, send) => {
    stub = await startStub((_hit, res) => res.socket?.destroy());
    connect(stub.url);

    const error = await send(client).catch((err: unknown) => err);

    expect(stub.hits).toHaveLength(1);
    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect((error as Error).message).toMatch(/may have been carried out/);
  });

  test.each([502, 503, 504])('when a command gets %i, then it is not sent again', async (status) => {
    stub = await startStub((_hit, res) => json(res, status));
    connect(stub.url);

    await expect(client.sendCommand(KEY, 4, { action: 'toggle' })).rejects.toBeDefined();
    expect(stub.hits).toHaveLength(1);
  });

  test('when a command gets no answer in time, then it fails with a response timeout and is not sent again', async () => {
    stub = await startStub(() => undefined);
    connect(stub.url, { responseTimeoutMs: 200 });

    await expect(client.sendCommand(KEY, 4, { action: 'unlock' })).rejects.toMatchObject({ code: 'mode_timeout', phase: 'response' });
    expect(stub.hits).toHaveLength(1);
  });

  test.each(unsafeCalls)('when the connection for %s is refused, then it is tried again (it cannot have reached MODE)', async (_name, send) => {
    connect(`http://127.0.0.1:${await closedPort()}`);

    const error = await send(client).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeUnavailableError);
    expect(error).toMatchObject({ kind: 'connection' });
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  test('when connecting for a command times out, then it is tried again', async () => {
    const silent = await startSilentTcp();
    connect(`https://127.0.0.1:${silent.port}`, { connectTimeoutMs: 150, retries: { ...fastRetries, attempts: 2 } });
    try {
      await expect(client.sendCommand(KEY, 4, { action: 'toggle' })).rejects.toBeInstanceOf(ModeTimeoutError);
      expect(silent.connections()).toBe(2);
    } finally {
      await silent.close();
    }
  });

  test('when an idempotent GET loses its connection, then it is still retried', async () => {
    stub = await startStub((_hit, res, index) => (index === 0 ? res.socket?.destroy() : json(res, 200, [member])));
    connect(stub.url);

    await expect(client.listMembers(KEY, 3)).resolves.toEqual([member]);
    expect(stub.hits).toHaveLength(2);
  });
});
