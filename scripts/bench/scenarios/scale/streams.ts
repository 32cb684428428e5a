// How open event streams cost: on one bridge instance, N Server-Sent Events streams open on
// GET /v1/events/stream (N = 1k, 5k, 10k, opened one point after the other on the same bridge),
// their RSS per stream, and how long one webhook event takes to reach every stream of its home.
//
// The streams belong to USERS accounts, all members of one home, at most ceil(N / USERS) each
// (STREAM_MAX_CONNECTIONS_PER_USER raised to that): realistic homes have many users with a few
// streams each, but every account costs an argon2 hash and a MODE link, and the hub's cost per
// stream does not depend on whose stream it is. The same points against a bare node:http server
// that only writes to its sockets give the floor the bridge is compared with.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBridge, type BridgeService } from '../../bridge';
import { startBareStream } from '../../processes';
import { bridgeFixture, call, registerUser, waitLinked, type BridgeAccount } from '../../setup';
import { EventSequence } from '../../webhook-events';
import { deploymentSecrets } from './two-instances';
import { createDatabase } from '../../postgres';
import type { Curve, CurveGoal, CurvePoint, ScaleEnv, ScaleRunner } from './curve';

/** Accounts whose streams are opened (the home's owner among them). */
const USERS = 100;
/** Events delivered per point; latency percentiles are over every (stream, event) pair. */
const EVENTS_PER_POINT = 8;
/** Streams being opened at once. */
const OPENING_AT_ONCE = 100;
const DELIVERY_DEADLINE_MS = 30_000;
const RSS_GOAL_KB = 20;
const P99_GOAL_MS = 100;

/** The one event being waited for: which streams have it, and when each got it. */
interface Awaited {
  mark: string;
  sentAt: number;
  got: Uint8Array;
  received: number;
  latencies: number[];
  allIn: () => void;
}

class StreamClients {
  readonly streams: Socket[] = [];
  /** Streams asked for so far; each has its index from the start, before the bridge answers. */
  private asked = 0;
  private awaited?: Awaited;

  constructor(private readonly baseUrl: string) {}

  /**
   * Opens one stream and resolves once the bridge has answered 200 and its first bytes. A bare
   * socket with the request written by hand: Node's HTTP client (parser, chunk decoding, UTF-8
   * strings) would cost the bench more per read than the bridge spends per write, and the
   * bench's reading shares the machine's cores with the bridge.
   */
  open(token: string): Promise<void> {
    const index = this.asked++;
    const url = new URL('/v1/events/stream', this.baseUrl);
    const head = `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`;
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      socket.once('error', reject);
      let answer: Buffer | undefined = Buffer.alloc(0) as Buffer;
      let tail: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        if (answer) {
          answer = Buffer.concat([answer, chunk]);
          const headEnd = answer.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer.toString('latin1', 0, 16));
          if (status?.[1] !== '200') {
            reject(new Error(`GET /v1/events/stream answered ${answer.toString('utf8', 0, 300)}`));
            socket.destroy();
            return;
          }
          answer = undefined;
          this.streams[index] = socket;
          resolve();
        }
        const awaited = this.awaited;
        if (!awaited || awaited.got[index]) return;
        // A frame may be split over two reads: look at the end of the previous one too.
        const found = chunk.includes(awaited.mark) || (tail.length > 0 && Buffer.concat([tail, chunk]).includes(awaited.mark));
        tail = chunk.subarray(-64);
        if (!found) return;
        awaited.got[index] = 1;
        awaited.latencies.push(performance.now() - awaited.sentAt);
        if (++awaited.received === awaited.got.length) awaited.allIn();
      });
      socket.write(head);
    });
  }

  async openMany(tokens: string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < tokens.length) await this.open(tokens[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, tokens.length) }, worker));
  }

  /** Posts the event and waits until every open stream has it (or the deadline): latencies in ms, and how many streams missed it. */
  async deliver(post: (mark: string) => Promise<void>, mark: string): Promise<{ latencies: number[]; missed: number; answeredMs: number }> {
    let allIn = () => undefined as void;
    const done = new Promise<void>((resolve) => (allIn = resolve));
    const awaited: Awaited = { mark, sentAt: 0, got: new Uint8Array(this.streams.length), received: 0, latencies: [], allIn };
    this.awaited = awaited;
    awaited.sentAt = performance.now();
    await post(mark);
    const answeredMs = performance.now() - awaited.sentAt;
    const timer = setTimeout(allIn, DELIVERY_DEADLINE_MS);
    await done;
    clearTimeout(timer);
    this.awaited = undefined;
    return { latencies: awaited.latencies, missed: this.streams.length - awaited.received, answeredMs };
  }

  closeAll(): void {
    for (const stream of this.streams) stream?.destroy();
    this.streams.length = 0;
    this.asked = 0;
  }
}

function readRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/**
 * The bridge's RSS once it stops moving: sampled every 250 ms until 8 samples in a row lie within
 * 1% of each other (at most 20 s), their median. A GC cannot be forced from outside.
 */
async function steadyRssKb(pid: number): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + 20_000;
  for (;;) {
    samples.push(readRssKb(pid));
    const last = samples.slice(-8);
    if (last.length === 8 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) <= 0.01) break;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const sorted = samples.slice(-8).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A signed MODE webhook call for one event of the home's device, as MODE sends it. */
function eventPoster(bridge: BridgeService, homeId: number, deviceId: number): (mark: string) => Promise<void> {
  const events = new EventSequence(bridge, { homeId, deviceId }, (seq) => ({ seq }));
  return async (mark) => {
    const response = await fetch(bridge.webhookUrl, { method: 'POST', ...events.next({ mark }) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${text.slice(0, 300)}`);
  };
}

/** A POST of one event to the bare stream server (no signature: it checks nothing). */
function bareEventPoster(url: string): (mark: string) => Promise<void> {
  let seq = 0;
  return async (mark) => {
    const body = JSON.stringify({ homeId: 1, deviceId: 1, eventType: 'bench', eventData: { seq: ++seq, mark }, timestamp: new Date().toISOString() });
    const response = await fetch(`${url}/webhooks/mode/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`bare stream server answered ${response.status}`);
  };
}

interface DeliveryFigures {
  'delivery p50 ms': number;
  'delivery p99 ms': number;
  'delivery max ms': number;
  'missed deliveries': number;
  'webhook answered p50 ms': number;
  'first stream p50 ms': number;
  'first to last stream p50 ms': number;
}

/** EVENTS_PER_POINT events, one at a time, to every open stream of `clients`. */
async function measureDeliveries(clients: StreamClients, post: (mark: string) => Promise<void>, markPrefix: string): Promise<DeliveryFigures> {
  const latencies: number[] = [];
  const answered: number[] = [];
  const firsts: number[] = [];
  const spreads: number[] = [];
  let missed = 0;
  for (let event = 0; event < EVENTS_PER_POINT; event++) {
    const result = await clients.deliver(post, `${markPrefix}-${event}-`);
    latencies.push(...result.latencies);
    answered.push(result.answeredMs);
    // Arrivals are pushed in arrival order: the first and the last stream to get this event.
    const first = result.latencies[0] ?? Number.NaN;
    firsts.push(first);
    spreads.push((result.latencies.at(-1) ?? Number.NaN) - first);
    missed += result.missed;
  }
  const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);
  const sorted = Float64Array.from(latencies).sort();
  return {
    'delivery p50 ms': round(percentile(sorted, 0.5)),
    'delivery p99 ms': round(percentile(sorted, 0.99)),
    'delivery max ms': round(percentile(sorted, 1)),
    'missed deliveries': missed,
    'webhook answered p50 ms': round(median(answered)),
    'first stream p50 ms': round(median(firsts)),
    'first to last stream p50 ms': round(median(spreads)),
  };
}

/** The same points against the bare node:http stream server: its delivery p50 and p99 per point. */
async function measureFloor(env: ScaleEnv, sizes: number[]): Promise<Map<number, DeliveryFigures>> {
  const bare = await startBareStream(env.logDir);
  const clients = new StreamClients(bare.url);
  const figures = new Map<number, DeliveryFigures>();
  try {
    const post = bareEventPoster(bare.url);
    await post('warm-up');
    for (const size of sizes) {
      await clients.openMany(Array.from({ length: size - clients.streams.length }, () => 'none'));
      figures.set(size, await measureDeliveries(clients, post, `bare-mark-${size}`));
      env.log(`  streams ${size}, bare node:http server: delivery p50 ${figures.get(size)!['delivery p50 ms']} ms, p99 ${figures.get(size)!['delivery p99 ms']} ms`);
    }
  } finally {
    clients.closeAll();
    await bare.stop();
  }
  return figures;
}

/** USERS accounts, all members of one home with one claimed device (the first is its owner). */
async function arrangeHome(env: ScaleEnv, bridge: BridgeService): Promise<{ accounts: BridgeAccount[]; homeId: number; deviceId: number }> {
  const stamp = Date.now().toString(36);
  const accounts: BridgeAccount[] = [];
  let next = 0;
  // A few at once: each registration is one argon2 hash on the bridge.
  const register = async () => {
    while (next < USERS) {
      const index = next++;
      const account = await registerUser(bridge.url, `stream-${stamp}-${index}@bench.example`);
      await waitLinked(bridge.url, account);
      accounts[index] = account;
    }
  };
  await Promise.all(Array.from({ length: 4 }, register));
  const owner = accounts[0]!;
  const { homeId, deviceId } = await bridgeFixture(bridge.url, env.emulator, owner);
  for (const member of accounts.slice(1)) {
    await call(bridge.url, `/v1/homes/${homeId}/members`, { token: owner.accessToken, json: { email: member.email } });
  }
  return { accounts, homeId, deviceId };
}

export const streamsRunner: ScaleRunner = {
  name: 'streams',
  defaultPoints: [1000, 5000, 10000],
  async run(env: ScaleEnv, points: number[]): Promise<Curve> {
    const sizes = [...points].sort((a, b) => a - b);
    const largest = sizes.at(-1) ?? 0;
    const perUser = Math.max(1, Math.ceil(largest / USERS));
    const databaseUrl = await createDatabase(env.postgres, `scale_streams_${Date.now().toString(36)}`);
    const bridge = await startBridge({
      name: 'bridge-scale-streams',
      emulator: env.emulator,
      databaseUrl,
      logDir: env.logDir,
      cpuProfileDir: env.cpuProfileDir,
      dist: env.bridgeDist,
      extraEnv: { ...deploymentSecrets(), MEMBER_ADDS_PER_HOUR: '0', STREAM_MAX_CONNECTIONS_PER_USER: String(perUser), ...env.bridgeEnv },
    });
    const clients = new StreamClients(bridge.url);
    const curvePoints: CurvePoint[] = [];
    try {
      env.log(`  streams: ${USERS} accounts in one home, up to ${perUser} streams each`);
      const { accounts, homeId, deviceId } = await arrangeHome(env, bridge);
      const post = eventPoster(bridge, homeId, deviceId);
      // One event before any stream opens, so the webhook path's first-call costs are not in a point.
      await post('warm-up');
      const baselineKb = await steadyRssKb(bridge.pid);
      env.log(`  streams: bridge RSS before any stream ${round(baselineKb / 1024)} MB`);
      for (const size of sizes) {
        const openedAt = performance.now();
        const tokens = Array.from({ length: size - clients.streams.length }, (_, i) => accounts[(clients.streams.length + i) % accounts.length]!.accessToken);
        await clients.openMany(tokens);
        const openSec = (performance.now() - openedAt) / 1000;
        const rssKb = await steadyRssKb(bridge.pid);
        const values = {
          'RSS per stream kB': round((rssKb - baselineKb) / size, 2),
          'bridge RSS MB': round(rssKb / 1024),
          ...(await measureDeliveries(clients, post, `scale-mark-${size}`)),
          'streams opened per s': round(tokens.length / openSec, 0),
        };
        env.log(`  streams ${size}: ${Object.entries(values).map(([name, value]) => `${name} ${value}`).join(', ')}`);
        curvePoints.push({ x: size, values });
      }
    } finally {
      clients.closeAll();
      await bridge.stop();
    }
    // The floor, after the bridge has stopped (so the two never share the cores): what a bare Node
    // server pays to reach the same streams, read by the same client.
    const floor = await measureFloor(env, sizes);
    for (const point of curvePoints) {
      const bare = floor.get(point.x)!;
      point.values['bare server delivery p50 ms'] = bare['delivery p50 ms'];
      point.values['bare server delivery p99 ms'] = bare['delivery p99 ms'];
      point.values['delivery p99 / bare server'] = round(point.values['delivery p99 ms']! / bare['delivery p99 ms'], 2);
    }
    const last = curvePoints.at(-1);
    const goals: CurveGoal[] = last
      ? [
          { goal: `RSS per stream at ${last.x} streams < ${RSS_GOAL_KB} kB`, measured: `${last.values['RSS per stream kB']} kB`, pass: (last.values['RSS per stream kB'] ?? Infinity) < RSS_GOAL_KB },
          {
            goal: `delivery to every stream of the home at ${last.x} streams: p99 < ${P99_GOAL_MS} ms, none missed`,
            measured: `p99 ${last.values['delivery p99 ms']} ms (a bare node:http server: ${last.values['bare server delivery p99 ms']} ms), ${last.values['missed deliveries']} missed`,
            pass: (last.values['delivery p99 ms'] ?? Infinity) < P99_GOAL_MS && last.values['missed deliveries'] === 0,
          },
        ]
      : [];
    return {
      id: 'streams',
      title: 'Open event streams on one instance',
      xLabel: 'open streams',
      yLabel: 'ms',
      chartSeries: ['delivery p50 ms', 'delivery p99 ms', 'bare server delivery p99 ms'],
      points: curvePoints,
      goals,
      notes: [
        `Streams opened one point after the other on one bridge (PostgreSQL, no Redis), by ${USERS} accounts of one home, at most ${perUser} each (STREAM_MAX_CONNECTIONS_PER_USER raised to that; the default is 5 per user).`,
        'RSS per stream = (the bridge\'s steady RSS with N streams open - its RSS before the first stream opened) / N; no GC can be forced from outside, so it includes garbage not yet collected, and the first point also carries one-off code and JIT cost.',
        `Delivery: ${EVENTS_PER_POINT} signed webhook events per point, one at a time; the time from the POST to the event's frame arriving on each stream, percentiles over every (stream, event) pair. The streams are read in the bench process, whose own reading time is included. Beside it, per event (medians over the point's events): when the webhook POST was answered, when the first stream got the event, and the time from the first stream to the last (the fan-out itself).`,
        'Bare server: the same points and client against scripts/bench/bare-stream.ts, a plain node:http server that writes each event and a device-state message as one chunk straight to every open socket (no auth, database or hub), run after the bridge has stopped: the floor for one Node process on this machine, and the bridge\'s p99 as a multiple of it.',
      ],
    };
  },
};
