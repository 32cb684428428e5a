import {
  ModeApiError,
  ModeBadGatewayError,
  ModeClient,
  ModeError,
  ModeForbiddenError,
  ModeNotFoundError,
  ModeUnauthorizedError,
  ModeUnavailableError,
} from '../../src/mode';
import { json, type Stub, startStub } from './stub-server';

const KEY = 'v1.secret-project-key.zzz';
const user = { id: 77, projectId: 9, verified: true, name: '', creationTime: '2015-09-25T23:46:06.541Z' };

describe('MODE answers as typed errors', () => {
  let stub: Stub;
  let client: ModeClient;

  async function serve(handler: Parameters<typeof startStub>[0]) {
    stub = await startStub(handler);
    client = new ModeClient({ baseUrl: stub.url, retries: { attempts: 1 } });
  }

  afterEach(async () => {
    await client.close();
    await stub.close();
  });

  test.each([
    [401, 'ModeUnauthorizedError', ModeUnauthorizedError, 'mode_unauthorized'],
    [403, 'ModeForbiddenError', ModeForbiddenError, 'mode_forbidden'],
    [404, 'ModeNotFoundError', ModeNotFoundError, 'mode_not_found'],
    [400, 'ModeApiError', ModeApiError, 'mode_api_error'],
  ])('when MODE answers %i with a reason, then a %s carries status, reason, method and path', async (status, _name, type, code) => {
    await serve((_hit, res) => json(res, status, { reason: 'HOME_NOT_FOUND' }));

    const error = await client.getHome(KEY, 12).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(ModeApiError);
    expect(error).toBeInstanceOf(ModeError);
    expect(error).toMatchObject({ code, status, reason: 'HOME_NOT_FOUND', method: 'GET', path: '/homes/12' });
    expect(error).toMatchObject({ route: '/homes/:homeId' });
  });

  test('when MODE answers an error without a body, then the reason is undefined', async () => {
    await serve((_hit, res) => json(res, 401));

    const error = await client.getUser(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeUnauthorizedError);
    expect((error as ModeUnauthorizedError).reason).toBeUndefined();
  });

  test('when MODE answers 500, then the call fails with ModeBadGatewayError', async () => {
    await serve((_hit, res) => json(res, 500, { reason: 'INTERNAL' }));

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect(error).not.toBeInstanceOf(ModeApiError);
    expect(error).toMatchObject({ code: 'mode_bad_gateway', status: 500, reason: 'INTERNAL' });
  });

  test('when MODE answers 503, then the call fails with ModeUnavailableError', async () => {
    await serve((_hit, res) => json(res, 503));

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeUnavailableError);
    expect(error).toMatchObject({ code: 'mode_unavailable', kind: 'status', status: 503 });
  });

  test('when a 2xx body is not JSON, then the call fails with ModeBadGatewayError', async () => {
    await serve((_hit, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>'));

    await expect(client.getHome(KEY, 1)).rejects.toBeInstanceOf(ModeBadGatewayError);
  });

  test('when a 2xx body lacks required fields, then the call fails with ModeBadGatewayError naming the fields', async () => {
    await serve((_hit, res) => json(res, 200, { id: 'not-a-number', name: 'Home' }));

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect((error as Error).message).toContain('id');
  });

  test('when MODE adds fields we do not know, then they are kept', async () => {
    await serve((_hit, res) => json(res, 200, { ...user, futureField: 'kept' }));

    await expect(client.getUser(KEY, 77)).resolves.toMatchObject({ futureField: 'kept' });
  });

  test('when MODE echoes the key in its reason, then no error message, reason or field contains the key', async () => {
    await serve((hit, res) => json(res, 403, { reason: `bad key ${hit.headers.authorization ?? ''}` }));

    const error = await client.getHome(KEY, 1).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeForbiddenError);
    const { message, stack } = error as Error;
    const everything = JSON.stringify({ ...(error as object), message, stack });
    expect(everything).not.toContain(KEY);
  });
});
