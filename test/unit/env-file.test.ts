import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/lib/config';
import { productionEnv } from '../fixtures/production-env';
import { loadEnvFile } from '../../src/lib/env-file';

// Configuration order: the environment, then .env, then the defaults.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'env-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('when a .env file exists, then its variables are read, and one set in the environment wins', () => {
  // In a process of its own: jest gives each test file a copy of process.env that Node's loader does not fill.
  const file = join(dir, '.env');
  writeFileSync(file, 'ENV_FILE_TEST_FROM_FILE=file\nENV_FILE_TEST_BOTH="from the file"\n');
  const probe = join(dir, 'probe.ts');
  writeFileSync(
    probe,
    `import { loadEnvFile } from ${JSON.stringify(resolve(__dirname, '../../src/lib/env-file'))};\n` +
      `const loaded = loadEnvFile(${JSON.stringify(file)});\n` +
      `console.log(JSON.stringify({ loaded, fromFile: process.env.ENV_FILE_TEST_FROM_FILE, both: process.env.ENV_FILE_TEST_BOTH }));\n`,
  );
  const tsx = resolve(__dirname, '../../node_modules/tsx/dist/cli.mjs');
  const run = spawnSync(process.execPath, [tsx, probe], { env: { PATH: process.env.PATH ?? '', ENV_FILE_TEST_BOTH: 'environment' }, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual({ loaded: file, fromFile: 'file', both: 'environment' });
});

test('when there is no .env file, then nothing is read and nothing fails', () => {
  expect(loadEnvFile(join(dir, '.env'))).toBeUndefined();
});

test('when HOST is unset, then the server listens on loopback outside production and everywhere in production', () => {
  expect(loadConfig({}).http.host).toBe('127.0.0.1');
  expect(loadConfig({ NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
  expect(loadConfig(productionEnv()).http.host).toBe('0.0.0.0');
  expect(loadConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
});

test('when EMULATOR_PORT is unset, then the embedded emulator gets 4600 and keeps its state under DATA_DIR', () => {
  expect(loadConfig({ DATA_DIR: '/srv/bridge' }).emulator).toEqual({ port: 4600, stateFile: '/srv/bridge/emulator-state.json' });
  expect(loadConfig({ EMULATOR_PORT: '0' }).emulator.port).toBe(0);
});
