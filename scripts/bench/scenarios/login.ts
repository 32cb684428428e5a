// Login under load: a storm of password logins (argon2id) while a light stream of proxied calls
// (a few connections, one request at a time each) goes on; its p99 is compared with the p99 of the
// same stream without the storm. A closed loop on purpose: autocannon's rate limiting sends each
// second's quota in one burst, which measures the burst, not the stall. The quiet and the storm
// windows alternate over several rounds (the order rotated), so a machine whose speed drifts during
// the scenario touches both sides alike.
import type { BenchContext } from '../context';
import { drainBacklog, measureLoad, mergeRuns, probe, rotatedOrder, runLoad, warmUp, type LoadResult, type LoadRun, type LoadSpec } from '../load';
import { heapOf, mainThreadOf, type HeapFigures } from '../rss';
import { BENCH_PASSWORD, call, registerUser, waitLinked, type BridgeAccount } from '../setup';

export interface LoginFigures {
  users: number;
  loginConnections: number;
  /** The light proxied stream, the same in both runs. */
  proxied: { connections: number; call: string };
  /** The quiet and the storm windows alternated this many times; each side's windows are merged. */
  rounds?: number;
  alone: LoadResult;
  duringStorm: LoadResult;
  logins: LoadResult;
  /** The storm without the proxied stream: what a login costs the bridge, and its event loop. */
  loginsAlone: LoadResult;
  bridgePeakRssMb: number;
  heapAtEnd?: HeapFigures;
}

export interface LoginSettings {
  users: number;
  proxiedConnections: number;
  /** False while the bridge has no homes routes: GET /v1/me (JWT + database, no MODE) stands in. */
  useHome: boolean;
}

async function registerMany(ctx: BenchContext, count: number): Promise<BridgeAccount[]> {
  const stamp = Date.now();
  const accounts: BridgeAccount[] = [];
  for (let start = 0; start < count; start += 4) {
    const batch = Array.from({ length: Math.min(4, count - start) }, (_, i) => registerUser(ctx.bridge.url, `login-${stamp}-${start + i}@bench.example`));
    accounts.push(...(await Promise.all(batch)));
  }
  return accounts;
}

export async function loginScenario(ctx: BenchContext, options: LoginSettings): Promise<LoginFigures> {
  const { bridge, settings } = ctx;
  const accounts = await registerMany(ctx, options.users);
  const owner = accounts[0];
  if (!owner) throw new Error('no users registered');
  await waitLinked(bridge.url, owner);
  let path = '/v1/me';
  if (options.useHome) {
    const home = await call<{ id: number }>(bridge.url, '/v1/homes', { token: owner.accessToken, json: { name: 'Bench home (login)' } });
    path = `/v1/homes/${home.id}`;
  }
  const callName = options.useHome ? 'GET /v1/homes/:id' : 'GET /v1/me';

  const proxied: LoadSpec = {
    title: `${callName} (${options.proxiedConnections} connections)`,
    url: bridge.url + path,
    connections: options.proxiedConnections,
    durationSec: settings.durationSec,
    headers: { authorization: `Bearer ${owner.accessToken}` },
    cpuOf: { bridge: bridge.pid, 'bridge event loop': mainThreadOf(bridge.pid) },
  };
  let next = 0;
  const logins: LoadSpec = {
    title: 'POST /v1/auth/login storm',
    url: bridge.url,
    connections: settings.connections,
    durationSec: settings.durationSec,
    cpuOf: { bridge: bridge.pid, 'bridge event loop': mainThreadOf(bridge.pid) },
    setupRequest: (request) => {
      const account = accounts[next++ % accounts.length] as BridgeAccount;
      return {
        ...request,
        method: 'POST',
        path: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: account.email, password: BENCH_PASSWORD }),
      };
    },
  };

  ctx.bridgeRss.startWindow();
  await probe(proxied);
  await probe(logins, [200]);
  const loginsAlone = await runLoad({ ...logins, title: `${logins.title}, alone` });
  ctx.log(`  ${loginsAlone.title}: ${loginsAlone.rps} logins/s, bridge CPU ${loginsAlone.cpuMsPerRequest.bridge} ms per login, ${loginsAlone.cpuMsPerRequest['bridge event loop']} ms of it on the event loop`);
  await warmUp(proxied, settings.warmUpSec);
  const { alone, duringStorm, storm } = await alternateQuietAndStorm(proxied, logins, settings.rounds);
  ctx.log(`  ${alone.title}: p50 ${alone.latencyMs.p50} ms, p99 ${alone.latencyMs.p99} ms`);
  ctx.log(`  ${storm.title}: ${storm.rps} logins/s, p99 ${storm.latencyMs.p99} ms`);
  ctx.log(`  ${duringStorm.title}: p50 ${duringStorm.latencyMs.p50} ms, p99 ${duringStorm.latencyMs.p99} ms`);
  return {
    users: accounts.length,
    loginConnections: settings.connections,
    proxied: { connections: options.proxiedConnections, call: callName },
    rounds: settings.rounds,
    alone,
    duringStorm,
    logins: storm,
    loginsAlone,
    bridgePeakRssMb: ctx.bridgeRss.endWindow(),
    heapAtEnd: await heapOf(bridge.url),
  };
}

/**
 * `rounds` quiet windows (the proxied stream alone) and as many storm windows (the stream and the
 * logins together), each about durationSec / rounds, in rotated order. After a storm window the
 * hashes still queued finish before the next window starts, so they are not counted as quiet.
 */
export async function alternateQuietAndStorm(proxied: LoadSpec, logins: LoadSpec, rounds: number): Promise<{ alone: LoadResult; duringStorm: LoadResult; storm: LoadResult }> {
  const windowSec = Math.max(1, Math.round(proxied.durationSec / rounds));
  const quiet: LoadRun[] = [];
  const stormy: LoadRun[] = [];
  const stormLogins: LoadRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const turn of rotatedOrder(2, round)) {
      if (turn === 0) {
        quiet.push(await measureLoad({ ...proxied, title: `${proxied.title}, alone`, durationSec: windowSec }));
        continue;
      }
      const [during, storm] = await Promise.all([
        measureLoad({ ...proxied, title: `${proxied.title}, during the storm`, durationSec: windowSec }),
        measureLoad({ ...logins, durationSec: windowSec }),
      ]);
      stormy.push(during);
      stormLogins.push(storm);
      await drainBacklog(logins, [200]);
    }
  }
  return { alone: mergeRuns(quiet), duringStorm: mergeRuns(stormy), storm: mergeRuns(stormLogins) };
}
