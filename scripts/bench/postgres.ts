// A throwaway PostgreSQL 15 cluster on a free loopback port, as .ci/run starts one: initdb as the
// postgres user (the server refuses to run as root), pg_ctl start, and stop + delete at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPostgresClient } from '../lib/postgres-client';
import { registerOwnProcess } from './idle';
import { freePort } from './processes';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** postgresql:// URL of the `postgres` database; `urlOf(name)` for another one. */
  url: string;
  urlOf(database: string): string;
  settings: Record<string, string>;
  stop(): void;
}

export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

/** Runs a PostgreSQL binary as the postgres user when we are root, else as ourselves. */
function pgCommand(binary: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args]] : [join(PG_BIN, binary), args];
  const result = spawnSync(command, commandArgs, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr || result.stdout || result.error?.message}`);
}

export async function startPostgres(): Promise<PostgresCluster> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mode-bridge-bench-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  // Durable defaults (fsync and synchronous_commit on): the bridge and the raw INSERT share them.
  const settings = { max_connections: '200', shared_buffers: '128MB' };
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)];
  pgCommand('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  pgCommand('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', options.join(' '), 'start']);
  // The postmaster and its backends count as the bench's own CPU.
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (postmaster > 0) registerOwnProcess(postmaster, true);
  const urlOf = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf('postgres'),
    urlOf,
    settings: { ...settings, fsync: 'on', synchronous_commit: 'on' },
    stop: () => {
      try {
        pgCommand('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates an empty database on the cluster and returns its URL. */
export async function createDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  await withPostgresClient(cluster.url, (client) => client.query(`CREATE DATABASE ${name}`));
  return cluster.urlOf(name);
}
