import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../../src/emulator';
import { decode, encode } from '../../src/emulator/persistence';
import { call, claimedDevice, createHome, linkUser } from './helpers';

// An emulator with a state file keeps its project's data across restarts.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('when restarted on the same state file, then users, homes, devices and keys are still there', async () => {
  const stateFile = join(dir, 'emulator-state.json');
  const first = await createEmulator({ stateFile });
  const user = await linkUser(first);
  const homeId = await createHome(first, user, 'Kept');
  const device = await claimedDevice(first, user, homeId);
  await call(first, 'PUT', `/homes/${homeId}/kv/mode`, { key: user.key, json: { value: { eco: true } } });
  const before = first.control.getState() as Record<string, unknown>;
  await first.close();

  const second = await createEmulator({ stateFile });
  try {
    expect(second.projectKey).toBe(first.projectKey);
    const after = second.control.getState() as Record<string, unknown>;
    for (const part of ['users', 'homes', 'members', 'devices', 'kv', 'userKeys', 'projectKeys']) expect(after[part]).toEqual(before[part]);
    expect((await call(second, 'GET', `/homes/${homeId}`, { key: user.key })).body).toMatchObject({ id: homeId, name: 'Kept' });
    expect((await call(second, 'GET', '/auth', { key: device.apiKey })).body).toMatchObject({ type: 'device', deviceId: device.id });
    // New objects continue the old sequence instead of reusing IDs.
    const next = await linkUser(second);
    expect(next.userId).toBeGreaterThan(device.id);
  } finally {
    await second.close();
  }
});

test('when the state is saved, then the file is readable by its owner only and no temporary file is left', async () => {
  const stateFile = join(dir, 'emulator-state.json');
  const emulator = await createEmulator({ stateFile });
  await linkUser(emulator);
  await emulator.close();
  expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(['emulator-state.json']);
  expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ format: 1, projectId: 1000 });
});

test('when a persistent emulator starts without saved state, then its IDs do not start at 1, so IDs a bridge kept from lost data never match new objects', async () => {
  const emulator = await createEmulator({ stateFile: join(dir, 'emulator-state.json') });
  try {
    expect((await linkUser(emulator)).userId).toBeGreaterThan(1_000_000);
  } finally {
    await emulator.close();
  }
});

test('when the state file belongs to another project, then the emulator starts empty', async () => {
  const stateFile = join(dir, 'emulator-state.json');
  const first = await createEmulator({ stateFile, projectId: 7 });
  await linkUser(first);
  await first.close();
  const second = await createEmulator({ stateFile, projectId: 8 });
  try {
    expect((second.control.getState() as { users: unknown[] }).users).toEqual([]);
  } finally {
    await second.close();
  }
});

test('when the state file is not JSON, then the start fails naming the file', async () => {
  const stateFile = join(dir, 'emulator-state.json');
  writeFileSync(stateFile, '{ not json');
  await expect(createEmulator({ stateFile })).rejects.toThrow(stateFile);
});

test('when state holds Maps, Sets, dates and infinite numbers, then it survives a round trip through JSON', () => {
  const state = { lastId: 41, nested: new Map([[1, new Map([['a', { until: Infinity, at: new Date(0), tags: new Set(['x']) }]])]]) };
  expect(decode(JSON.parse(JSON.stringify(encode(state))))).toEqual(state);
});
