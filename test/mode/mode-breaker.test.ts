import { type BreakerState, ModeClient, type ModeRequestEvent, ModeUnavailableError } from '../../src/mode';
import { json, type Stub, startStub } from './stub-server';

const KEY = 'breaker-test-key';
const home = { id: 1, name: 'Home', projectId: 9, creationTime: '2024-01-01T00:00:00Z' };
const breaker = {
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  rollingCountTimeoutMs: 10_000,
  resetTimeoutMs: 300,
};

const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('MODE circuit breaker', () => {
  let stub: Stub;
  let client: ModeClient;
  let events: ModeRequestEvent[];
  let states: BreakerState[];
  let answer: { status: number; body?: unknown };

  beforeEach(async () => {
    answer = { status: 500 };
    stub = await startStub((_hit, res) => json(res, answer.status, answer.body));
    events = [];
    states = [];
    client = new ModeClient({
      baseUrl: stub.url,
      retries: { attempts: 1 },
      breaker,
      onRequest: (event) => events.push(event),
      onBreakerStateChange: (state) => states.push(state),
    });
  });

  afterEach(async () => {
    await client.close();
    await stub.close();
  });

  const failTimes = (n: number) =>
    Promise.all(Array.from({ length: n }, () => client.getHome(KEY, 1).catch(() => undefined)));

  test('when upstream failures pass the threshold, then the breaker opens and calls fail fast without reaching MODE', async () => {
    await failTimes(4);

    expect(client.isOpen()).toBe(true);
    expect(states).toEqual(['open']);
    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModeUnavailableError);
    expect(error).toMatchObject({ code: 'mode_unavailable', kind: 'circuit_open', path: '/homes/1' });
    expect(stub.hits).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ outcome: 'circuit_open', status: undefined, route: '/homes/:homeId' });
  });

  test('when fewer requests than the volume threshold failed, then the breaker stays closed', async () => {
    await failTimes(3);

    expect(client.isOpen()).toBe(false);
  });

  test('when the breaker is open, then an idempotent call is not retried against it', async () => {
    const retries = { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 };
    const retrying = new ModeClient({ baseUrl: stub.url, breaker, retries });
    await Promise.all(Array.from({ length: 4 }, () => retrying.getHome(KEY, 1).catch(() => undefined)));
    const hitsWhenOpen = stub.hits.length;

    await expect(retrying.getHome(KEY, 1)).rejects.toMatchObject({ kind: 'circuit_open' });
    expect(stub.hits.length).toBe(hitsWhenOpen);
    await retrying.close();
  });

  test('when the reset timeout passes and the trial call succeeds, then the breaker closes again', async () => {
    await failTimes(4);
    answer = { status: 200, body: home };

    await until(() => client.breakerState === 'half_open');
    await expect(client.getHome(KEY, 1)).resolves.toEqual(home);

    expect(client.breakerState).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
    await expect(client.getHome(KEY, 1)).resolves.toEqual(home);
  });

  test('when the trial call after the reset timeout fails, then the breaker opens again', async () => {
    await failTimes(4);

    await until(() => client.breakerState === 'half_open');
    await expect(client.getHome(KEY, 1)).rejects.toMatchObject({ status: 500 });

    expect(client.isOpen()).toBe(true);
    expect(states).toEqual(['open', 'half_open', 'open']);
  });

  test.each([401, 403, 404])('when MODE answers %i many times, then the breaker stays closed', async (status) => {
    answer = { status, body: { reason: 'NOPE' } };

    await failTimes(20);

    expect(client.isOpen()).toBe(false);
    expect(stub.hits).toHaveLength(20);
  });

  test('when MODE is unreachable, then connection errors open the breaker', async () => {
    await stub.close();

    await failTimes(4);

    expect(client.isOpen()).toBe(true);
  });

  test('when the client is closed, then further calls fail with ModeUnavailableError', async () => {
    await client.close();

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeUnavailableError);
  });
});
