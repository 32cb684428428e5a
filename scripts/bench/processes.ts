// The processes a bench run needs, each on loopback with a port of its own: the MODE emulator,
// the bridge (compiled, as in production) and the bare pass-through proxy. Each runs in its own
// process so that the CPU it spends is not charged to another, and its RSS can be sampled.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerOwnProcess } from './idle';

export const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');

export interface Service {
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles with `npm run build` when dist/ is older than the sources; the bench runs compiled code. */
export function ensureBuilt(log: (line: string) => void): void {
  const entry = join(DIST, 'src', 'server.js');
  // tsc builds incrementally and leaves unchanged outputs alone, so no output file tells when the
  // last build ran: a stamp written after it does.
  const stamp = join(DIST, '.bench-built');
  const built = existsSync(stamp) && existsSync(entry) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'scripts')));
  if (built >= sources && existsSync(compiled('scripts/bench/bare-proxy.ts'))) return;
  log('dist/ is older than the sources: npm run build');
  const startedAt = new Date();
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    if (!existsSync(entry)) throw new Error('npm run build failed and dist/src/server.js does not exist');
    log('warning: npm run build reported errors; running the files it emitted');
    return;
  }
  // The build's start time: a source saved while it ran is newer, and is built next time.
  writeFileSync(stamp, '');
  utimesSync(stamp, startedAt, startedAt);
}

export function compiled(sourcePath: string, dist = DIST): string {
  return join(dist, sourcePath.replace(/\.ts$/, '.js'));
}

export interface SpawnOptions {
  name: string;
  /** Source path relative to the repository, e.g. src/server.ts; its compiled file is run. */
  entry: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  logDir: string;
  /** Another build's dist/ directory (to compare two builds); default this checkout's. */
  dist?: string;
  /** Runs the node command line through sh -c, as this shell command (the bridge: as `npm start` runs it). */
  shellCommand?: (nodeCommand: string[]) => string;
}

/** The minimum a child needs from the parent's environment; nothing else leaks in (no DATABASE_URL...). */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return Object.fromEntries(keep.flatMap((key) => (process.env[key] ? [[key, process.env[key] as string]] : [])));
}

export function spawnNode(options: SpawnOptions): ChildProcess {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`));
  const nodeCommand = [process.execPath, ...(options.nodeArgs ?? []), compiled(options.entry, options.dist)];
  const [file, args] = options.shellCommand ? ['sh', ['-c', options.shellCommand(nodeCommand)]] : [nodeCommand[0] as string, nodeCommand.slice(1)];
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { ...baseEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid) registerOwnProcess(child.pid);
  return child;
}

export async function waitForHttp(url: string, child: ChildProcess, name: string, logDir: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode}; see ${relative(ROOT, join(logDir, `${name}.log`))}`);
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s`);
}

export function asService(name: string, url: string, child: ChildProcess): Service {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name,
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface EmulatorService extends Service {
  projectId: number;
  projectKey: string;
}

export async function startEmulator(logDir: string): Promise<EmulatorService> {
  const port = await freePort();
  const projectId = 1000;
  const projectKey = `bench-project-key-${process.pid}`;
  const child = spawnNode({
    name: 'emulator',
    entry: 'src/emulator/main.ts',
    logDir,
    env: {
      EMULATOR_PORT: String(port),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PROJECT_ID: String(projectId),
      EMULATOR_PROJECT_KEY: projectKey,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_emulator/state`, child, 'emulator', logDir);
  return { ...asService('emulator', url, child), projectId, projectKey };
}

/** The pass-through proxy on plain node:http, or as one Express route (`framework: 'express'`). */
export async function startBareProxy(target: string, logDir: string, connections: number, framework: 'node' | 'express' = 'node', cpuProfileDir?: string): Promise<Service> {
  const port = await freePort();
  const name = framework === 'express' ? 'express-proxy' : 'bare-proxy';
  const child = spawnNode({
    name,
    entry: 'scripts/bench/bare-proxy.ts',
    logDir,
    env: { BARE_PROXY_PORT: String(port), BARE_PROXY_TARGET: target, BARE_PROXY_CONNECTIONS: String(connections), BARE_PROXY_FRAMEWORK: framework },
    nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_bare/health`, child, name, logDir);
  return asService(name, url, child);
}

/** The floor for the event stream: plain node:http holding SSE streams open (scripts/bench/bare-stream.ts). */
export async function startBareStream(logDir: string): Promise<Service> {
  const port = await freePort();
  const child = spawnNode({ name: 'bare-stream', entry: 'scripts/bench/bare-stream.ts', logDir, env: { BARE_STREAM_PORT: String(port) } });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_bare/health`, child, 'bare-stream', logDir);
  return asService('bare-stream', url, child);
}
