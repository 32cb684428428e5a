import { ModeClient, type ModeRequestEvent, ModeUnauthorizedError } from '../../src/mode';
import { json, type Stub, startStub } from './stub-server';

const KEY = 'v1.secret-project-key.zzz';
const user = { id: 77, projectId: 9, verified: true, name: '', creationTime: '2015-09-25T23:46:06.541Z' };

describe('MODE transport over HTTP', () => {
  let stub: Stub;
  let client: ModeClient;
  let events: ModeRequestEvent[];

  async function serve(handler: Parameters<typeof startStub>[0]) {
    stub = await startStub(handler);
    events = [];
    client = new ModeClient({
      baseUrl: stub.url,
      retries: { attempts: 1 },
      onRequest: (event) => events.push(event),
    });
  }

  afterEach(async () => {
    await client.close();
    await stub.close();
  });

  test('when a JSON call is made, then MODE receives the ModeCloud key, Accept and a JSON body', async () => {
    await serve((_hit, res) => json(res, 201, user));

    const created = await client.createUser(KEY, 9);

    expect(created).toEqual(user);
    const [hit] = stub.hits;
    expect(hit).toMatchObject({ method: 'POST', url: '/users' });
    expect(hit?.headers.authorization).toBe(`ModeCloud ${KEY}`);
    expect(hit?.headers.accept).toBe('application/json');
    expect(hit?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hit?.body ?? '')).toEqual({ projectId: 9 });
  });

  test('when a form call is made, then the body is URL-encoded as a web form', async () => {
    await serve((_hit, res) => json(res, 200, { token: 'user-key', userId: 77 }));

    const auth = await client.issueUserKey(KEY, 9, 77);

    expect(auth).toEqual({ token: 'user-key', userId: 77 });
    const [hit] = stub.hits;
    expect(hit?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(hit?.body))).toEqual({ projectId: '9', userId: '77' });
  });

  test('when path segments and query values hold reserved characters, then they are URL-encoded', async () => {
    await serve((_hit, res) => json(res, 200, []));

    await client.listKeyValues(KEY, 5, 'a&b=c');
    await client.deleteKeyValue(KEY, 5, 'x/../y?z#');

    expect(stub.hits.map((hit) => hit.url)).toEqual([
      '/homes/5/kv?keyPrefix=a%26b%3Dc',
      '/homes/5/kv/x%2F..%2Fy%3Fz%23',
    ]);
  });

  test('when the base URL has a path, then calls go below it', async () => {
    stub = await startStub((_hit, res) => json(res, 204));
    client = new ModeClient({ baseUrl: `${stub.url}/mode/` });

    await client.deleteHome(KEY, 3);

    expect(stub.hits[0]?.url).toBe('/mode/homes/3');
  });

  test('when MODE answers 204, then the call resolves with nothing', async () => {
    await serve((_hit, res) => json(res, 204));

    await expect(client.sendCommand(KEY, 4, { action: 'on', parameters: { zone: 2 } })).resolves.toBeUndefined();
    expect(stub.hits[0]).toMatchObject({ method: 'PUT', url: '/devices/4/command' });
    expect(JSON.parse(stub.hits[0]?.body ?? '')).toEqual({ action: 'on', parameters: { zone: 2 } });
  });

  test('when calls are made, then onRequest reports the route template, status and outcome, never IDs or the key', async () => {
    await serve((hit, res) => (hit.url.startsWith('/homes/') ? json(res, 404) : json(res, 200, [])));

    await client.getHome(KEY, 4242).catch(() => undefined);
    await client.listDevices(KEY, 4242);

    expect(events).toEqual([
      expect.objectContaining({ route: '/homes/:homeId', status: 404, outcome: 'client_error', attempt: 1 }),
      expect.objectContaining({ method: 'GET', route: '/devices', status: 200, outcome: 'success', attempt: 1 }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/4242|secret/);
    expect(events.every((event) => event.durationMs >= 0)).toBe(true);
  });

  test('when the onRequest hook throws, then the call still succeeds', async () => {
    stub = await startStub((_hit, res) => json(res, 200, user));
    client = new ModeClient({
      baseUrl: stub.url,
      onRequest: () => {
        throw new Error('metrics broke');
      },
    });

    await expect(client.getUser(KEY, 77)).resolves.toEqual(user);
  });

  test('when pinged without a key, then any HTTP answer from MODE counts as reachable', async () => {
    await serve((_hit, res) => json(res, 401));

    await expect(client.ping()).resolves.toBeUndefined();
    expect(stub.hits[0]?.headers.authorization).toBeUndefined();
  });

  test('when pinged with a key MODE refuses, then the refusal is reported', async () => {
    await serve((_hit, res) => json(res, 401));

    await expect(client.ping(KEY)).rejects.toBeInstanceOf(ModeUnauthorizedError);
  });
});
