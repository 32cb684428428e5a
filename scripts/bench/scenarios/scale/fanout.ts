// Webhook fan-out as a home's membership grows: one signed MODE event for a device of a home with
// 1, 100, 1,000 members, timed from the POST until every member's inbox row and webhook delivery
// (outbox message) is written.
//
// The home, its device and its members are made in MODE (the emulator) through MODE's API, as an
// app would: a MODE user that owns the home adds the others by MODE user ID. The members' local
// accounts (users + linked mode_links rows) are seeded directly in PostgreSQL: registering 1,000
// accounts through the API would hash 1,000 passwords. The bridge learns the membership itself: a
// first, unmeasured event makes it sync the home's members from MODE (as it does for any home it
// has not seen), so the fan-out reads what the bridge believes.
import { createServer, type Server } from 'node:http';
import type { BridgeService } from '../../bridge';
import { BENCH_DEVICE_CLASS, call } from '../../setup';
import { signedEvent } from '../../webhook-events';
import type { Curve, CurvePoint, ScaleEnv, ScaleRunner } from './curve';
import { compact, round, scaleBridge } from './support';
import { withPostgresClient } from '../../../lib/postgres-client';
import { createDatabase } from '../../postgres';
import type { Client } from 'pg';

const RUNS_PER_POINT = 3;
const POLL_MS = 5;
const DEADLINE_MS = 60_000;
const PARALLEL_CALLS = 16;

interface ModeHome {
  homeId: number;
  deviceId: number;
  memberIds: number[];
}

async function inParallel<T>(count: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  }));
  return results;
}

async function modeHome(env: ScaleEnv, members: number): Promise<ModeHome> {
  const { url, projectId, projectKey } = env.emulator;
  const newUser = () => call<{ id: number }>(url, '/users', { modeKey: projectKey, json: { projectId } }).then((user) => user.id);
  const ownerId = await newUser();
  const { token } = await call<{ token: string }>(url, '/auth/user', { modeKey: projectKey, form: { projectId, userId: ownerId } });
  const home = await call<{ id: number }>(url, '/homes', { modeKey: token, json: { name: `Fan-out home (${members} members)` } });
  const device = await call<{ id: number; claimCode: string }>(url, '/_emulator/devices', { json: { deviceClass: BENCH_DEVICE_CLASS, name: 'Fan-out lamp' } });
  await call(url, `/_emulator/devices/${device.id}/claimable`, { json: { claimable: true } });
  const claimed = await call<{ id: number }>(url, '/devices', { modeKey: token, form: { homeId: home.id, claimCode: device.claimCode } });
  const others = await inParallel(members - 1, async () => {
    const userId = await newUser();
    await call(url, `/homes/${home.id}/members`, { modeKey: token, json: { userId } });
    return userId;
  });
  return { homeId: home.id, deviceId: claimed.id, memberIds: [ownerId, ...others] };
}

/** Local, active, linked accounts for these MODE users (no password: they would sign in by invitation). */
async function seedAccounts(client: Client, modeUserIds: number[], tag: string): Promise<void> {
  await client.query(
    `WITH mode AS (SELECT unnest($1::int[]) AS mode_user_id),
     new_user AS (
       INSERT INTO users (id, email, name, status, email_verified)
       SELECT gen_random_uuid(), $2 || '-' || mode_user_id || '@scale.example', 'Fan-out member ' || mode_user_id, 'active', true FROM mode
       RETURNING id, email)
     INSERT INTO mode_links (user_id, status, mode_user_id, linked_at, attempts)
     SELECT u.id, 'linked', m.mode_user_id, now(), 1 FROM new_user u JOIN mode m ON u.email = $2 || '-' || m.mode_user_id || '@scale.example'`,
    [modeUserIds, tag],
  );
}

async function postEvent(bridge: BridgeService, home: ModeHome, eventType: string, seq: number): Promise<string> {
  const event = signedEvent(bridge, { homeId: home.homeId, deviceId: home.deviceId, eventType, eventData: { seq } });
  const response = await fetch(bridge.webhookUrl, { method: 'POST', ...event });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 200 || !answer.id) throw new Error(`the webhook answered ${response.status} ${JSON.stringify(answer)}`);
  return answer.id;
}

/** Polls until the event has `members` inbox rows and as many webhook deliveries queued. */
async function waitFannedOut(client: Client, eventId: string, members: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const { rows } = await client.query<{ inbox: number; outbox: number }>(
      `SELECT (SELECT count(*)::int FROM notifications WHERE event_id = $1) AS inbox,
              (SELECT count(*)::int FROM outbox_messages WHERE idempotency_key LIKE 'webhook:event:' || $1 || ':%') AS outbox`,
      [eventId],
    );
    const row = rows[0];
    if (row && row.inbox >= members && row.outbox >= members) return;
    if (Date.now() > deadline) throw new Error(`fan-out of event ${eventId}: ${row?.inbox} inbox rows and ${row?.outbox} deliveries of ${members} after ${DEADLINE_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Where the bridge delivers its notification webhooks: answers every delivery with 204. */
async function webhookSink(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/notify`, server };
}

export const fanoutRunner: ScaleRunner = {
  name: 'fanout',
  defaultPoints: [1, 100, 1000],
  async run(env, points) {
    const databaseUrl = await createDatabase(env.postgres, 'bridge_scale_fanout');
    const sink = await webhookSink();
    const bridge = await scaleBridge(env, 'bridge-scale-fanout', databaseUrl, { NOTIFY_WEBHOOK_URL: sink.url, NOTIFY_WEBHOOK_SECRET: 'scale-fanout-webhook-secret' });
    try {
      const curvePoints: CurvePoint[] = [];
      for (const members of points) {
        const home = await modeHome(env, members);
        const times = await withPostgresClient(databaseUrl, async (client) => {
          await seedAccounts(client, home.memberIds, `fanout-${home.homeId}`);
          // Unmeasured: the bridge syncs the home's members from MODE and fans out once.
          await waitFannedOut(client, await postEvent(bridge, home, 'scale.warm-up', 0), members);
          const measured: number[] = [];
          for (let run = 1; run <= RUNS_PER_POINT; run += 1) {
            const started = performance.now();
            const eventId = await postEvent(bridge, home, 'scale.alarm', run);
            await waitFannedOut(client, eventId, members);
            measured.push(performance.now() - started);
          }
          return measured.sort((a, b) => a - b);
        });
        const median = times[Math.floor(times.length / 2)] ?? 0;
        env.log(`  fan-out to ${members} members: median ${round(median, 1)} ms of ${RUNS_PER_POINT} (${times.map((t) => round(t, 1)).join(', ')})`);
        curvePoints.push({ x: members, values: { 'ms (median)': round(median, 1), 'ms (max)': round(times.at(-1) ?? 0, 1), 'ms per member': round(median / members, 3) } });
      }
      return { id: 'fanout', ...fanoutCurve(curvePoints) };
    } finally {
      await bridge.stop();
      sink.server.close();
    }
  },
};

function fanoutCurve(points: CurvePoint[]): Omit<Curve, 'id'> {
  const at = (x: number) => points.find((point) => point.x === x);
  const last = points.at(-1);
  // Linear: time per member at the largest point no more than 2x that at the point before it (100 at the defaults).
  const before = points.length >= 2 ? points[points.length - 2] : undefined;
  const perLast = last?.values['ms per member'] ?? 0;
  const perBefore = before?.values['ms per member'] ?? 0;
  const thousand = at(1000);
  return {
    title: 'Fan-out time vs home members',
    xLabel: 'members of the home',
    yLabel: 'ms',
    chartSeries: ['ms (median)'],
    points,
    goals: [
      thousand
        ? { goal: 'every inbox row and delivery written for 1,000 members < 1000 ms', measured: `${thousand.values['ms (median)']} ms`, pass: (thousand.values['ms (median)'] ?? Infinity) < 1000 }
        : { goal: 'every inbox row and delivery written for 1,000 members < 1000 ms', measured: 'not measured (no 1000 point)', pass: false },
      before && last && perBefore > 0
        ? { goal: `linear: ms per member at ${compact(last.x)} <= 2x ms per member at ${compact(before.x)}`, measured: `${round(perLast / perBefore)}x (${perBefore} -> ${perLast} ms per member)`, pass: perLast <= 2 * perBefore }
        : { goal: 'linear: ms per member at the largest point <= 2x at the one before', measured: 'needs two points', pass: false },
    ],
    notes: [
      `From the signed POST /webhooks/mode/events until the event's inbox rows (notifications) and webhook deliveries (outbox_messages) number the home's members; PostgreSQL polled every ${POLL_MS} ms; median of ${RUNS_PER_POINT} events per point. Includes the webhook answer, the outbox's pick-up of the fan-out job and the fan-out itself.`,
      'Members: MODE users added to the home through MODE\'s API; their local linked accounts seeded in PostgreSQL; the bridge synced the membership from MODE itself (an unmeasured first event).',
    ],
  };
}
