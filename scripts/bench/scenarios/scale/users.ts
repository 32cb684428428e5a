// Bringing existing users over: `npm run import-users` rows/s as the file grows, then
// `npm run link-users` links/s against the emulator with 20 ms injected latency, per configured
// MODE rate. Both run as the operator runs them (the compiled scripts, in their own process) on a
// database of their own that `npm run migrate` prepared; no bridge runs meanwhile, so the
// server's background linking does not compete with link-users.
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { call } from '../../setup';
import { compiled, ROOT } from '../../processes';
import type { Curve, CurvePoint, ScaleEnv, ScaleRunner } from './curve';
import { compact, round } from './support';
import { withPostgresClient } from '../../../lib/postgres-client';
import { createDatabase } from '../../postgres';

/** Distinct passwords per format: each is hashed once and its hash reused across rows. */
const PASSWORDS = 4;
const IMPORT_CONCURRENCY = 8;
const LINK_LATENCY_MS = 20;
/** Seconds of linking per rate point: users linked = rate x this. */
const LINK_SECONDS = 6;

interface ScriptRun {
  stdout: string;
  seconds: number;
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<ScriptRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiled(script), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${script} exited with ${code}: ${stderr}`));
      else resolve({ stdout, seconds });
    });
  });
}

/** A JSON Lines file of `rows` users, half argon2id and half bcrypt hashes. */
async function writeUsers(file: string, rows: number, prefix: string): Promise<void> {
  const hashes = Array.from({ length: PASSWORDS }, (_, i) => [
    argon2Hash(`scale-import-${i}`, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
    bcryptHash(`scale-import-${i}`, 10),
  ]).flat();
  const out = createWriteStream(file);
  for (let i = 0; i < rows; i += 1) {
    const line = `${JSON.stringify({ email: `${prefix}-${i}@scale.example`, name: `Imported ${i}`, passwordHash: hashes[i % hashes.length] })}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
}

async function migratedDatabase(env: ScaleEnv, name: string): Promise<string> {
  const url = await createDatabase(env.postgres, name);
  await runScript('scripts/migrate.ts', [], { DATABASE_URL: url });
  return url;
}

async function importRows(databaseUrl: string, rows: number, prefix: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mode-bridge-scale-import-'));
  try {
    const file = join(dir, 'users.jsonl');
    await writeUsers(file, rows, prefix);
    const run = await runScript('scripts/import-users.ts', [file, '--json', '--concurrency', String(IMPORT_CONCURRENCY)], { DATABASE_URL: databaseUrl, DATA_DIR: dir });
    const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { imported?: number };
    if (summary.imported !== rows) throw new Error(`import-users imported ${summary.imported} of ${rows} rows`);
    return run.seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const importRunner: ScaleRunner = {
  name: 'import',
  defaultPoints: [10_000, 100_000],
  async run(env, points) {
    const curvePoints: CurvePoint[] = [];
    for (const rows of points) {
      // A database per point: each import starts from the same empty users table.
      const databaseUrl = await migratedDatabase(env, `bridge_scale_import_${rows}`);
      const seconds = await importRows(databaseUrl, rows, `import-${rows}`);
      const perSecond = Math.round(rows / seconds);
      env.log(`  import-users ${compact(rows)} rows: ${round(seconds, 1)} s, ${perSecond} rows/s`);
      curvePoints.push({ x: rows, values: { 'rows/s': perSecond, seconds: round(seconds, 1) } });
    }
    const last = curvePoints.at(-1);
    const rate = last?.values['rows/s'] ?? 0;
    return {
      id: 'import-users',
      title: 'import-users rows/s vs rows in the file',
      xLabel: 'rows imported',
      yLabel: 'rows/s',
      chartSeries: ['rows/s'],
      points: curvePoints,
      goals: [{ goal: `import at ${last ? compact(last.x) : '-'} rows >= 2000 rows/s`, measured: `${rate} rows/s`, pass: rate >= 2000 }],
      notes: [
        `npm run import-users -- <file>.jsonl --concurrency ${IMPORT_CONCURRENCY}, wall time of the whole command (start-up included) into an empty, migrated database; half the rows carry argon2id hashes, half bcrypt cost 10 (stored as they are, not re-hashed).`,
      ],
    } satisfies Curve;
  },
};

export const linkRunner: ScaleRunner = {
  name: 'link',
  defaultPoints: [10, 50, 100],
  async run(env, points) {
    const total = points.reduce((sum, rate) => sum + rate * LINK_SECONDS, 0);
    const databaseUrl = await migratedDatabase(env, 'bridge_scale_link');
    env.log(`  link-users: importing ${total} pending users`);
    await importRows(databaseUrl, total, 'link');
    const scriptEnv = {
      DATABASE_URL: databaseUrl,
      MODE_API_URL: env.emulator.url,
      MODE_PROJECT_ID: String(env.emulator.projectId),
      MODE_PROJECT_KEY: env.emulator.projectKey,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    };
    // Only the two calls a link makes are slowed, so other curves' MODE calls are not.
    await call(env.emulator.url, '/_emulator/fault', { json: { kind: 'latency', ms: LINK_LATENCY_MS, paths: '^POST /(users|auth/user)' } });
    const curvePoints: CurvePoint[] = [];
    try {
      for (const rate of points) {
        const limit = rate * LINK_SECONDS;
        const startedAt = new Date();
        const run = await runScript('scripts/link-users.ts', ['--json', '--rate', String(rate), '--limit', String(limit)], scriptEnv);
        const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { done?: number; linked?: number; failed?: number };
        const linked = summary.done ?? summary.linked ?? 0;
        if (linked !== limit) throw new Error(`link-users linked ${linked} of ${limit} users (${run.stdout.slice(0, 300)})`);
        // The steady rate, from the links' own times: the command's start-up is not linking.
        const span = await withPostgresClient(databaseUrl, async (client) => {
          const rows = await client.query<{ n: number; seconds: number }>(
            `SELECT count(*)::int AS n, extract(epoch FROM max(linked_at) - min(linked_at))::float8 AS seconds FROM mode_links WHERE linked_at >= $1`,
            [startedAt],
          );
          return rows.rows[0] ?? { n: 0, seconds: 0 };
        });
        const perSecond = span.seconds > 0 ? round((span.n - 1) / span.seconds, 1) : 0;
        const wholeCommand = round(linked / run.seconds, 1);
        env.log(`  link-users --rate ${rate}: ${linked} links, ${perSecond} links/s while linking, ${wholeCommand} links/s over the whole command (${round(run.seconds, 1)} s)`);
        curvePoints.push({ x: rate, values: { 'links/s': perSecond, 'configured rate': rate, 'links/s / rate': round(perSecond / rate), 'links/s whole command': wholeCommand } });
      }
    } finally {
      await call(env.emulator.url, '/_emulator/fault', { json: { kind: 'latency', ms: 0 } });
    }
    return {
      id: 'link-users',
      title: 'link-users links/s vs configured MODE rate',
      xLabel: 'configured --rate (links/s)',
      yLabel: 'links/s',
      chartSeries: ['links/s', 'configured rate'],
      points: curvePoints,
      goals: curvePoints.map((point) => ({
        goal: `--rate ${point.x}: links/s >= 0.9x the rate`,
        measured: `${point.values['links/s']} links/s (${point.values['links/s / rate']}x)`,
        pass: (point.values['links/s / rate'] ?? 0) >= 0.9,
      })),
      notes: [
        `npm run link-users -- --rate <x> --limit <x * ${LINK_SECONDS}> (its default concurrency: rate / 4, at least 4), against the emulator with ${LINK_LATENCY_MS} ms added to each of a link's two MODE calls (POST /users, POST /auth/user). links/s: (links - 1) / (last linked_at - first linked_at) of the run; "whole command" divides by the command's wall time, start-up included.`,
      ],
    } satisfies Curve;
  },
};
