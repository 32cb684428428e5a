// Every MODE list the bridge reads is read to its end, whatever page size MODE uses, and a
// misbehaving upstream can neither loop the client forever nor pass off part of a list as all of it.
import type { ServerResponse } from 'node:http';
import { ModeBadGatewayError, ModeClient } from '../../src/mode';
import { parseRange } from '../../src/mode/mode-paging';
import { json, type Stub, type StubHit, startStub } from './stub-server';

const KEY = 'paging-key';
const homes = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, name: `Home ${i + 1}`, projectId: 9, creationTime: '2024-01-01T00:00:00Z' }));

/** Serves `items` as MODE pages them: at most `pageSize` per answer, from `skip`, with the range header. */
function pagedBy(pageSize: number, items: unknown[]) {
  return (hit: StubHit, res: ServerResponse) => {
    const query = new URL(hit.url, 'http://mode').searchParams;
    const skip = Number(query.get('skip') ?? 0);
    const limit = Math.min(Number(query.get('limit') ?? Infinity), pageSize);
    const page = items.slice(skip, skip + limit);
    const range = page.length ? `${skip}-${skip + page.length - 1}/${items.length}` : `*/${items.length}`;
    res.writeHead(200, { 'content-type': 'application/json', 'vnd.tinkermode.range': range }).end(JSON.stringify(page));
  };
}

describe('range header', () => {
  test.each([
    ['0-9/210', { start: 0, end: 9, total: 210 }],
    ['*/0', { start: null, total: 0 }],
    [' 4-4/5 ', { start: 4, end: 4, total: 5 }],
  ])('when the header is "%s", then it reads as the slice', (header, range) => {
    expect(parseRange(header)).toEqual(range);
  });

  test.each(['bytes 0-9/10', '3-1/5', '0-5/5', '*/x', ''])('when the header is "%s", then it is unreadable', (header) => {
    expect(parseRange(header)).toBeNull();
  });
});

describe('reading paged lists', () => {
  let stub: Stub | undefined;
  let client: ModeClient;

  async function serve(handler: Parameters<typeof startStub>[0], paging = {}) {
    stub = await startStub(handler);
    client = new ModeClient({ baseUrl: stub.url, retries: { attempts: 1 }, paging });
    return stub;
  }

  afterEach(async () => {
    await client.close();
    await stub?.close();
    stub = undefined;
  });

  test('when MODE pages the homes by 2, then the client follows skip/limit to the end and gets all 5', async () => {
    const server = await serve(pagedBy(2, homes));

    await expect(client.listHomes(KEY, 42)).resolves.toEqual(homes);
    expect(server.hits.map((hit) => hit.url)).toEqual([
      '/homes?userId=42&skip=0&limit=100', '/homes?userId=42&skip=2&limit=100', '/homes?userId=42&skip=4&limit=100',
    ]);
  });

  test('when the client\'s own page size is smaller than the list, then it asks for that many each time', async () => {
    const server = await serve(pagedBy(100, homes), { pageSize: 3 });

    await expect(client.listHomes(KEY, 42)).resolves.toEqual(homes);
    expect(server.hits.map((hit) => new URL(hit.url, 'http://m').searchParams.get('skip'))).toEqual(['0', '3']);
  });

  test('when the user has no homes, then the empty range ends the list', async () => {
    await serve(pagedBy(2, []));

    await expect(client.listHomes(KEY, 42)).resolves.toEqual([]);
  });

  test('when a list MODE does not page comes back without the header, then it is the whole list in one call', async () => {
    const members = [{ userId: 1, name: '', verified: true, creationTime: 't', role: 'owner' }];
    const server = await serve((_hit, res) => json(res, 200, members));

    await expect(client.listMembers(KEY, 3)).resolves.toEqual(members);
    expect(server.hits.map((hit) => hit.url)).toEqual(['/homes/3/members']);
  });

  test('when MODE pages a list it was not asked to page (devices), then the client follows its pages too', async () => {
    const devices = Array.from({ length: 3 }, (_, i) => ({
      id: i + 1, projectId: 9, homeId: 3, name: 'd', tag: '', deviceClass: 'lamp', isConnected: false, lastConnectTime: null,
    }));
    const server = await serve(pagedBy(2, devices));

    await expect(client.listDevices(KEY, 3)).resolves.toHaveLength(3);
    expect(server.hits.map((hit) => hit.url)).toEqual(['/devices?homeId=3', '/devices?homeId=3&skip=2&limit=100']);
  });

  test('when MODE keeps reporting more items than it gives, then the client stops at its page bound with a bad gateway', async () => {
    let next = 0;
    const server = await serve((_hit, res) => {
      const start = next++;
      res.writeHead(200, { 'content-type': 'application/json', 'vnd.tinkermode.range': `${start}-${start}/1000000` }).end(JSON.stringify([homes[0]]));
    }, { maxPages: 5 });

    const error = await client.listHomes(KEY, 42).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeBadGatewayError);
    expect((error as Error).message).toContain('more than 5 pages');
    expect(server.hits).toHaveLength(5);
  });

  test.each([
    ['a page that starts elsewhere than asked', '1-1/3', [homes[0]]],
    ['an empty page before the end', '*/3', []],
    ['a range that does not match the items', '0-1/3', [homes[0]]],
    ['an unreadable range', 'items 0-1', [homes[0]]],
  ])('when MODE answers %s, then the list fails as a bad gateway rather than come back partial', async (_name, range, body) => {
    await serve((_hit, res) => res.writeHead(200, { 'content-type': 'application/json', 'vnd.tinkermode.range': range }).end(JSON.stringify(body)));

    await expect(client.listHomes(KEY, 42)).rejects.toBeInstanceOf(ModeBadGatewayError);
  });
});
