import { ModeClient, ModeTimeoutError, ModeUnavailableError } from '../../src/mode';
import { useEmulatorClient } from './emulator-client';

describe('ModeClient against a failing MODE emulator', () => {
  const ctx = useEmulatorClient();

  test('when MODE answers 503 twice to a GET, then the client retries and succeeds', async () => {
    const { key } = await ctx.newUser();
    const home = await ctx.client.createHome(key, { name: 'Home' });
    ctx.mode.control.setFault({ kind: 'status', status: 503, paths: '^GET /homes/', count: 2 });

    await expect(ctx.client.getHome(key, home.id)).resolves.toMatchObject({ id: home.id });
    expect(ctx.events.filter((e) => e.route === '/homes/:homeId').map((e) => e.status)).toEqual([503, 503, 200]);
  });

  test('when MODE answers 503 to a POST, then the client does not retry it', async () => {
    const { key } = await ctx.newUser();
    ctx.mode.control.setFault({ kind: 'status', status: 503, paths: '^POST /homes$' });

    await expect(ctx.client.createHome(key, { name: 'Home' })).rejects.toBeInstanceOf(ModeUnavailableError);
    expect(ctx.events.filter((e) => e.route === '/homes')).toHaveLength(1);
  });

  test('when MODE drops the connection once, then a GET is retried', async () => {
    const { user, key } = await ctx.newUser();
    ctx.mode.control.setFault({ kind: 'drop', paths: '^GET /homes$', count: 1 });

    await expect(ctx.client.listHomes(key, user.id)).resolves.toEqual([]);
  });

  test('when MODE is slower than the response timeout, then the call fails with ModeTimeoutError', async () => {
    const { user, key } = await ctx.newUser();
    ctx.mode.control.setFault({ kind: 'latency', ms: 3_000, paths: '^GET /users/' });
    const impatient = new ModeClient({ baseUrl: ctx.mode.url, responseTimeoutMs: 500, retries: { attempts: 1 } });

    try {
      await expect(impatient.getUser(key, user.id)).rejects.toBeInstanceOf(ModeTimeoutError);
    } finally {
      await impatient.close();
    }
  });

  test('when pinged, then MODE counts as reachable with or without the project key', async () => {
    await expect(ctx.client.ping()).resolves.toBeUndefined();
    await expect(ctx.client.ping(ctx.mode.projectKey)).resolves.toBeUndefined();
  });
});
