import { connect, type Socket } from 'node:net';
import { bearer, registerAccount } from '../fixtures/accounts';
import { eventually, modeEvent, openStream, sendEvent, type SseStream } from '../fixtures/events';
import { claimDevice, createHome, homeWithPeople } from '../fixtures/homes';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let people: Awaited<ReturnType<typeof homeWithPeople>>;
const open: SseStream[] = [];

beforeAll(async () => {
  // The emulator's Webhooks Smart Module posts to this app, signed with the URL it is configured with.
  app = await startTestApp({ webhooks: true, env: { STREAM_HEARTBEAT_MS: '50', STREAM_MAX_CONNECTIONS_PER_USER: '2' } });
  people = await homeWithPeople(app);
});
afterEach(async () => {
  for (const stream of open.splice(0)) stream.close();
  // The server notices closed streams asynchronously; the per-user limit must be free again.
  await eventually(() => (app.services.stream.connectionCount() === 0 ? true : undefined));
});
afterAll(() => app.close());

async function stream(token: string, lastEventId?: string): Promise<SseStream> {
  const opened = await openStream(app, token, lastEventId);
  open.push(opened);
  return opened;
}

const parse = (message: { data?: string }) => JSON.parse(message.data!);

test('when a device in the home emits an event, then it travels device -> MODE webhook -> bridge -> the stream of a member', async () => {
  const device = await claimDevice(app, people.owner, people.homeId, 'thermostat');
  const member = await stream(people.member.accessToken);
  expect(member.status).toBe(200);
  expect(member.headers['content-type']).toMatch(/^text\/event-stream/);

  await app.emulator.control.emitDeviceEvent(device.id, { eventType: 'door-open', eventData: { door: 'front' } });

  const message = await member.next();
  expect(parse(message)).toEqual({
    id: message.id,
    homeId: people.homeId,
    deviceId: device.id,
    deviceClass: 'thermostat',
    eventType: 'door-open',
    eventData: { door: 'front' },
    timestamp: expect.any(String),
    receivedAt: expect.any(String),
  });
  // The stream's ID is the stored event's: the same event is in the history.
  const history = await app.http.get(`/v1/homes/${people.homeId}/events`).set(bearer(people.member.accessToken));
  expect(history.body.events[0].id).toBe(message.id);
});

/** GET /v1/events/stream over a bare TCP socket, keeping the bytes exactly as they arrive. */
async function rawStream(token: string, httpVersion: '1.0' | '1.1'): Promise<{ socket: Socket; bytes: () => string }> {
  const { hostname, port } = new URL(app.url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(`GET /v1/events/stream HTTP/${httpVersion}\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
  open.push({ close: () => void socket.destroy() } as unknown as SseStream);
  await eventually(() => (received.includes(': connected') ? true : undefined));
  return { socket, bytes: () => received };
}

/** The chunks of a chunked answer, each chunk's size checked against its bytes. */
function chunksOf(raw: string): string[] {
  let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const chunks: string[] = [];
  while (rest.length > 0) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    expect(Number.isNaN(size)).toBe(false);
    chunks.push(rest.slice(lineEnd + 2, lineEnd + 2 + size));
    expect(rest.slice(lineEnd + 2 + size, lineEnd + 4 + size)).toBe('\r\n');
    rest = rest.slice(lineEnd + 4 + size);
  }
  return chunks;
}

const dechunk = (raw: string) => chunksOf(raw).join('');

test('when events reach an HTTP/1.1 stream, then each is a well-formed chunk of the chunked answer', async () => {
  const { bytes } = await rawStream(people.member.accessToken, '1.1');
  const first = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'chunk-1' }));
  const second = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'chunk-2' }));
  await eventually(() => (bytes().includes('"chunk-2"') ? true : undefined));

  expect(bytes()).toMatch(/^HTTP\/1\.1 200 [^]*\r\ntransfer-encoding: chunked\r\n/i);
  const body = dechunk(bytes());
  expect(body).toContain(`id: ${first}\ndata: {"id":"${first}"`);
  expect(body.indexOf(`id: ${second}\n`)).toBeGreaterThan(body.indexOf(`id: ${first}\n`));
});

test('when an event changes its device\'s state, then the stream gets both in one write', async () => {
  const device = await claimDevice(app, people.owner, people.homeId, 'thermostat');
  const { socket } = await rawStream(people.member.accessToken, '1.1');
  const reads: string[] = [];
  socket.on('data', (chunk: string) => reads.push(chunk));

  await app.emulator.control.emitDeviceEvent(device.id, { eventType: 'one-write', eventData: { n: 1 } });

  const read = await eventually(() => reads.find((chunk) => chunk.includes('"one-write"')));
  // A heartbeat written just before may share the read; the event and its state must both be in it.
  expect(read).toMatch(/id: \d+\ndata: \{[^\n]*"one-write"[^\n]*\}\n\n(?:\r\n[0-9a-f]+\r\n)?event: device-state\ndata: \{[^\n]*"one-write"[^\n]*\}\n\n/);
});

test('when events of several homes reach the hub in one turn, then each stream gets those of its homes, in order, in one chunk', async () => {
  const second = await createHome(app, people.owner, 'Second home');
  const owner = await rawStream(people.owner.accessToken, '1.1');
  const member = await rawStream(people.member.accessToken, '1.1');
  const view = (id: string, homeId: number) => ({ id, homeId, deviceId: 1, deviceClass: 'sensor', eventType: 'one-turn', eventData: {}, timestamp: new Date().toISOString(), receivedAt: new Date().toISOString() });
  const [first, other, last] = [`turn-a-${Date.now()}`, `turn-b-${Date.now()}`, `turn-c-${Date.now()}`];

  await Promise.all([app.services.eventBus.publish(view(first, people.homeId)), app.services.eventBus.publish(view(other, second)), app.services.eventBus.publish(view(last, people.homeId))]);

  await eventually(() => (owner.bytes().includes(last) && member.bytes().includes(last) ? true : undefined));
  // Each stream's share of the turn is one chunk of whole frames, in the order published.
  const ids = (chunk: string) => [...chunk.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);
  const shareOf = (bytes: string) => chunksOf(bytes).find((chunk) => chunk.includes(`id: ${first}\n`))!;
  expect(ids(shareOf(owner.bytes()))).toEqual([first, other, last]);
  expect(ids(shareOf(member.bytes()))).toEqual([first, last]);
  expect(shareOf(owner.bytes())).toMatch(/^id: [^]*\n\n$/);
  expect(member.bytes()).not.toContain(other);
});

test('when an HTTP/1.0 client streams, then it gets the frames unchunked', async () => {
  const { bytes } = await rawStream(people.member.accessToken, '1.0');
  const id = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'http-1-0' }));
  await eventually(() => (bytes().includes('"http-1-0"') ? true : undefined));

  expect(bytes()).not.toMatch(/transfer-encoding: chunked/i);
  expect(bytes()).toContain(`\n\nid: ${id}\ndata: {"id":"${id}"`);
});

test('when several streams carry one event, then each gets the same frame', async () => {
  const owner = await stream(people.owner.accessToken);
  const member = await stream(people.member.accessToken);
  const id = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'same-frame' }));
  const [a, b] = [await owner.next(), await member.next()];
  expect(a.id).toBe(id);
  expect(b).toEqual(a);
});

test('when an event belongs to a home the user is not in, then their stream does not carry it', async () => {
  const strangerHome = await createHome(app, people.stranger, 'Elsewhere');
  const stranger = await stream(people.stranger.accessToken);
  const owner = await stream(people.owner.accessToken);

  const foreign = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'not-for-stranger' }));
  const own = await sendEvent(app, modeEvent({ homeId: strangerHome, eventType: 'for-stranger' }));

  expect((await owner.next()).id).toBe(foreign);
  expect((await stranger.next()).id).toBe(own);
});

test('when a user has a stream open on two devices, then both get each event', async () => {
  const phone = await stream(people.owner.accessToken);
  const laptop = await stream(people.owner.accessToken);
  const id = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'both-clients' }));
  expect((await phone.next()).id).toBe(id);
  expect((await laptop.next()).id).toBe(id);
});

test('when nothing happens, then heartbeat comments keep the connection alive', async () => {
  const idle = await stream(people.member.accessToken);
  await eventually(() => (idle.comments.includes('heartbeat') ? true : undefined));
  expect(idle.comments.filter((comment) => comment === 'heartbeat').length).toBeGreaterThanOrEqual(1);
});

test('when a client reconnects with Last-Event-ID, then it first gets the stored events it missed, in order, then live ones', async () => {
  const before = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'replay-0' }));
  const missed1 = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'replay-1' }));
  await sendEvent(app, modeEvent({ homeId: people.homeId + 5000, eventType: 'replay-other-home' }));
  const missed2 = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'replay-2' }));

  const resumed = await stream(people.member.accessToken, before);
  expect((await resumed.next()).id).toBe(missed1);
  expect((await resumed.next()).id).toBe(missed2);
  const live = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'replay-live' }));
  expect((await resumed.next()).id).toBe(live);
});

test('when the same event reaches the bridge twice and the fan-out publishes it again, then the stream carries it once', async () => {
  const member = await stream(people.member.accessToken);
  const event = modeEvent({ homeId: people.homeId, eventType: 'once-on-stream' });
  const first = await sendEvent(app, event);
  await sendEvent(app, event);
  await app.services.outbox.dispatcher.drain();
  const next = await sendEvent(app, modeEvent({ homeId: people.homeId, eventType: 'after-repeats' }));

  expect((await member.next()).id).toBe(first);
  expect((await member.next()).id).toBe(next);
});

test('when a user opens more streams than allowed, then 429 rate_limited, and closing one frees a place', async () => {
  const first = await stream(people.owner.accessToken);
  await stream(people.owner.accessToken);
  const third = await openStream(app, people.owner.accessToken);
  expect(third.status).toBe(429);
  expect(third.errorBody.error.code).toBe('rate_limited');

  first.close();
  await eventually(() => (app.services.stream.connectionCount(people.owner.id) === 1 ? true : undefined));
  expect((await stream(people.owner.accessToken)).status).toBe(200);
});

test('when nobody is signed in, then 401', async () => {
  const res = await app.http.get('/v1/events/stream');
  expect(res.status).toBe(401);
});

test('when a home was made in MODE without the bridge knowing, then the stream learns it from MODE when it opens', async () => {
  const newcomer = await registerAccount(app.http);
  const { key } = await app.services.linking.ensureLinked(newcomer.id);
  const home = await app.services.mode.createHome(key, { name: 'Made behind our back' });
  expect(await app.services.memberships.hasAny(home.id)).toBe(false);

  const newcomerStream = await stream(newcomer.accessToken);
  const id = await sendEvent(app, modeEvent({ homeId: home.id, eventType: 'first-event' }));
  expect((await newcomerStream.next()).id).toBe(id);
});
