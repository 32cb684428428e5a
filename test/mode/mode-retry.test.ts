import {
  ModeBadGatewayError,
  ModeClient,
  ModeNotFoundError,
  type ModeRequestEvent,
  ModeTimeoutError,
  ModeUnavailableError,
} from '../../src/mode';
import { backoffDelay, defaultRetryPolicy } from '../../src/mode/mode-retry';
import { closedPort, json, type Stub, startSilentTcp, startStub } from './stub-server';

const KEY = 'retry-test-key';
const home = { id: 1, name: 'Home', projectId: 9, creationTime: '2024-01-01T00:00:00Z' };
const fastRetries = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

describe('MODE retries', () => {
  let stub: Stub | undefined;
  let client: ModeClient;
  let events: ModeRequestEvent[];

  function connect(baseUrl: string, overrides: Partial<ConstructorParameters<typeof ModeClient>[0]> = {}) {
    events = [];
    client = new ModeClient({ baseUrl, retries: fastRetries, onRequest: (e) => events.push(e), ...overrides });
  }

  async function serve(handler: Parameters<typeof startStub>[0], overrides = {}) {
    stub = await startStub(handler);
    connect(stub.url, overrides);
    return stub;
  }

  afterEach(async () => {
    await client.close();
    await stub?.close();
    stub = undefined;
  });

  test.each([502, 503, 504])('when a GET gets %i twice, then it is retried and succeeds on the third attempt', async (status) => {
    const server = await serve((_hit, res, index) => (index < 2 ? json(res, status) : json(res, 200, home)));

    await expect(client.getHome(KEY, 1)).resolves.toEqual(home);
    expect(server.hits).toHaveLength(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  test('when PUT and DELETE get a 502, then they are retried because they are idempotent', async () => {
    const server = await serve((_hit, res, index) => (index % 2 === 0 ? json(res, 502) : json(res, 204)));

    await client.putKeyValue(KEY, 3, 'mode', 'eco');
    await client.deleteDevice(KEY, 4);

    expect(server.hits.map((h) => h.method)).toEqual(['PUT', 'PUT', 'DELETE', 'DELETE']);
  });

  test('when a GET keeps failing with 503, then it stops after the configured attempts', async () => {
    const server = await serve((_hit, res) => json(res, 503));

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeUnavailableError);
    expect(server.hits).toHaveLength(3);
  });

  test.each([
    ['POST', 503, (c: ModeClient) => c.createHome(KEY, { name: 'Home' })],
    ['POST', 502, (c: ModeClient) => c.addMember(KEY, 1, 2)],
    ['PATCH', 504, (c: ModeClient) => c.updateHome(KEY, 1, { name: 'New' })],
  ])('when a %s gets %i, then it is never retried', async (_method, status, call) => {
    const server = await serve((_hit, res) => json(res, status));

    await expect(call(client)).rejects.toBeDefined();
    expect(server.hits).toHaveLength(1);
  });

  test('when a GET gets a 500, then it is not retried', async () => {
    const server = await serve((_hit, res) => json(res, 500));

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeBadGatewayError);
    expect(server.hits).toHaveLength(1);
  });

  test('when a GET gets a 404, then it is not retried', async () => {
    const server = await serve((_hit, res) => json(res, 404));

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeNotFoundError);
    expect(server.hits).toHaveLength(1);
  });

  test('when MODE drops the connection during a GET, then the GET is retried', async () => {
    const server = await serve((_hit, res, index) => (index === 0 ? res.socket?.destroy() : json(res, 200, home)));

    await expect(client.getHome(KEY, 1)).resolves.toEqual(home);
    expect(server.hits).toHaveLength(2);
    expect(events[0]).toMatchObject({ outcome: 'unavailable', status: undefined });
  });

  test('when MODE drops the connection during a POST, then it fails as a bad gateway (outcome unknown) without a retry', async () => {
    const server = await serve((_hit, res) => res.socket?.destroy());

    const error = await client.createHome(KEY, { name: 'Home' }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect((error as Error).message).toMatch(/may have been carried out/);
    expect((error as Error).cause).toMatchObject({ kind: 'dropped' });
    expect(server.hits).toHaveLength(1);
    expect(events.map((e) => e.outcome)).toEqual(['bad_gateway']);
  });

  test('when the connection is refused, then the GET is retried and fails with ModeUnavailableError', async () => {
    connect(`http://127.0.0.1:${await closedPort()}`);

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeUnavailableError);
    expect(error).toMatchObject({ code: 'mode_unavailable', kind: 'connection' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(events).toHaveLength(3);
  });

  test('when MODE sends no answer in time, then the call fails with ModeTimeoutError and is not retried', async () => {
    const server = await serve(() => undefined, { responseTimeoutMs: 300 });

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeTimeoutError);
    expect(error).toMatchObject({ code: 'mode_timeout', phase: 'response' });
    expect(server.hits).toHaveLength(1);
    expect(events[0]?.outcome).toBe('timeout');
  });

  test('when MODE stalls in the middle of a body, then the call fails with ModeTimeoutError', async () => {
    await serve((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    }, { responseTimeoutMs: 300 });

    await expect(client.getHome(KEY, 1)).rejects.toMatchObject({ code: 'mode_timeout', phase: 'response' });
  });

  test('when connecting takes too long, then the call fails with ModeTimeoutError and an idempotent one is retried', async () => {
    // TLS against a server that never speaks: the connection never completes within the connect timeout.
    const silent = await startSilentTcp();
    connect(`https://127.0.0.1:${silent.port}`, { connectTimeoutMs: 200, retries: { ...fastRetries, attempts: 2 } });

    try {
      const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(ModeTimeoutError);
      expect(error).toMatchObject({ phase: 'connect' });
      expect(silent.connections()).toBe(2);
    } finally {
      await silent.close();
    }
  });

  test('when retries would run past the time budget, then no further attempt starts', async () => {
    const server = await serve((_hit, res) => setTimeout(() => json(res, 503), 100), {
      retries: { attempts: 20, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 250 },
    });

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeUnavailableError);
    expect(server.hits.length).toBeGreaterThanOrEqual(2);
    expect(server.hits.length).toBeLessThan(6);
  });
});

describe('MODE retry backoff', () => {
  const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1_000 };

  test('when the random draw is lowest, then the delay is zero', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  test('when the random draw is highest, then the delay stays below the exponential ceiling', () => {
    const almostOne = () => 0.999999;
    expect([0, 1, 2, 3].map((retry) => backoffDelay(retry, policy, almostOne))).toEqual([99, 199, 399, 799]);
  });

  test('when the exponential ceiling passes maxDelayMs, then the delay is capped by it', () => {
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(999);
  });

  test('when drawn many times, then every delay lies within [0, ceiling) and they spread out', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(2, policy));

    expect(delays.every((delay) => delay >= 0 && delay < 400)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
