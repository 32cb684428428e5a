/**
 * Profiles the bridge on one proxied call, beside the Express-route proxy under the same load:
 * starts the emulator, PostgreSQL, the bridge (with `node --cpu-prof`) and the Express proxy, drives
 * each with the same call, then prints CPU ms per request of both and the bridge's profile summary.
 * Measures only the request path (no set-up, start-up or other scenarios in the profile), so a
 * change to one middleware shows in its own figures.
 *
 * Usage: npx tsx scripts/bench/profile-route.ts [--call get|put] [--duration 8] [--connections 50] [--rounds 1]
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBridge } from './bridge';
import { runLoad, warmUp, type LoadSpec } from './load';
import { createDatabase } from './postgres';
import { ensureBuilt, ROOT, startBareProxy, startEmulator } from './processes';
import { summarizeProfile } from './profile-summary';
import { bridgeFixture, directFixture, registerUser, waitLinked } from './setup';
import { benchCommand } from './scenarios/command';
import { median, runTool, withPostgres } from './tool';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { call: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } },
  });
  const call = values.call ?? 'get';
  if (call !== 'get' && call !== 'put') throw new Error('--call is get or put');
  const durationSec = Number(values.duration ?? 8);
  const connections = Number(values.connections ?? 50);
  const rounds = Number(values.rounds ?? 1);
  ensureBuilt(log);
  const resultsDir = join(ROOT, 'bench', 'results');
  const logDir = join(resultsDir, 'logs');
  const profileDir = join(resultsDir, 'profiles', `route-${call}`);
  const expressProfileDir = join(profileDir, 'express-proxy');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(expressProfileDir, { recursive: true });

  await withPostgres(async (postgres, running) => {
    const emulator = await startEmulator(logDir);
    running.push(emulator);
    const { Client } = await import('pg');
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    // Statements the bridge makes while the load runs: a proxied call should make none.
    const transactions = async () => Number((await admin.query("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'bridge_profile'")).rows[0].n);
    const bridge = await startBridge({ name: 'bridge-profile', emulator, databaseUrl: await createDatabase(postgres, 'bridge_profile'), logDir, cpuProfileDir: profileDir });
    running.push(bridge);
    const expressProxy = await startBareProxy(emulator.url, logDir, 64, 'express', expressProfileDir);
    running.push(expressProxy);

    const account = await registerUser(bridge.url, `profile-${Date.now()}@bench.example`);
    await waitLinked(bridge.url, account);
    const ids = await bridgeFixture(bridge.url, emulator, account);
    const direct = await directFixture(emulator);
    const body = call === 'put' ? JSON.stringify(benchCommand()) : undefined;
    const json: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    const method = call === 'put' ? 'PUT' : 'GET';
    const modePath = call === 'put' ? `/devices/${direct.deviceId}/command` : `/homes/${direct.homeId}`;
    const bridgePath = call === 'put' ? `/v1/devices/${ids.deviceId}/command` : `/v1/homes/${ids.homeId}`;
    const specs: LoadSpec[] = [
      { title: 'Express proxy', url: expressProxy.url + modePath, method, body, headers: { ...json, authorization: `ModeCloud ${direct.modeKey}` }, connections, durationSec, cpuOf: { proxy: expressProxy.pid } },
      { title: 'bridge', url: bridge.url + bridgePath, method, body, headers: { ...json, authorization: `Bearer ${account.accessToken}` }, connections, durationSec, cpuOf: { proxy: bridge.pid } },
    ];
    for (const spec of specs) await warmUp(spec, 2);
    const cpu: Record<string, number[]> = { 'Express proxy': [], bridge: [] };
    const rps: Record<string, number[]> = { 'Express proxy': [], bridge: [] };
    // Interleaved rounds, so a change in the machine's load touches both alike.
    for (let round = 0; round < rounds; round++) {
      for (const spec of specs) {
        const before = await transactions();
        const result = await runLoad(spec);
        // pg_stat_database is updated when a backend reports, at most every 500 ms.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const perRequest = ((await transactions()) - before) / Math.max(1, result.ok);
        log(`  ${spec.title}: database transactions per request ${perRequest.toFixed(3)}`);
        cpu[spec.title]?.push(result.cpuMsPerRequest.proxy ?? Number.NaN);
        rps[spec.title]?.push(result.rps);
        log(`  ${spec.title}: ${result.rps} req/s, CPU ${result.cpuMsPerRequest.proxy} ms/req, ${result.non2xx} non-2xx`);
      }
    }
    const [expressCpu, bridgeCpu] = [median(cpu['Express proxy'] ?? []), median(cpu.bridge ?? [])];
    console.log(`${method} ${bridgePath}, ${connections} connections, ${rounds} x ${durationSec} s`);
    console.log(`CPU ms/req: Express proxy ${expressCpu}, bridge ${bridgeCpu} (bridge/Express ${(bridgeCpu / expressCpu).toFixed(2)}x)`);
    console.log(`req/s: Express proxy ${median(rps['Express proxy'] ?? [])}, bridge ${median(rps.bridge ?? [])}`);
    await admin.end();
    for (const [service, dir] of [[bridge, profileDir], [expressProxy, expressProfileDir]] as const) {
      await service.stop();
      running.splice(running.indexOf(service), 1);
      const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (profile) console.log(`\n== ${service.name}\n${summarizeProfile(join(dir, profile), 30)}`);
    }
  });
}

runTool(main);
