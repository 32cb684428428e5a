// A throwaway redis-server on a free loopback port, nothing written to disk (`--save ''`,
// `--appendonly no`), stopped with the runner that started it, as postgres.ts does for PostgreSQL.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerOwnProcess } from './idle';
import { asService, freePort, type Service } from './processes';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisService extends Service {
  /** redis:// URL for REDIS_URL. */
  url: string;
}

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

/** True once the server answers PING with PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) socket.end();
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

export async function startRedis(logDir: string, name = 'redis'): Promise<RedisService> {
  if (!redisAvailable()) throw new Error(`no redis-server at ${REDIS_SERVER} (apt-get install -y redis-server, or set REDIS_SERVER)`);
  const port = await freePort();
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid) registerOwnProcess(child.pid);
  const deadline = Date.now() + 10_000;
  while (!(await pings(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}; see ${join(logDir, `${name}.log`)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not answer PING within 10 s');
    }
    await sleep(50);
  }
  return { ...asService(name, `redis://127.0.0.1:${port}`, child), url: `redis://127.0.0.1:${port}` };
}
