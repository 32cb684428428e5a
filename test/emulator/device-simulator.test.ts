import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '../../src/emulator';
import { call, createHome, eventually, linkUser, startWebhookReceiver } from './helpers';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const script = join(root, 'scripts', 'device-simulator.ts');

let emulator: Emulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let simulator: ChildProcess | undefined;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  emulator = await createEmulator({ webhooks: [{ url: receiver.url, key: 'k' }] });
});

afterEach(async () => {
  if (simulator && simulator.exitCode === null) {
    const exited = new Promise((resolve) => simulator!.once('exit', resolve));
    simulator.kill('SIGTERM');
    await exited;
  }
  await emulator.close();
  await receiver.close();
});

describe('device simulator', () => {
  it('when asked for --help, then it prints its usage and exits 0', () => {
    const result = spawnSync(tsx, [script, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--device-id');
  });

  it('when it makes itself claimable and gets a set-state command, then it answers with a state-changed event', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'lamp' });
    const output: string[] = [];
    simulator = spawn(tsx, [script, '--url', emulator.url, '--device-id', String(device.id), '--api-key', device.apiKey, '--claimable', '60']);
    simulator.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

    const user = await linkUser(emulator);
    const homeId = await createHome(emulator, user);
    await eventually(() => (output.join('').includes('"connected"') ? true : undefined), 15000);
    const claim = await call(emulator, 'POST', '/devices', { key: user.key, form: { homeId, claimCode: device.claimCode } });
    expect(claim.status).toBe(201);

    await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: user.key, json: { action: 'set-state', parameters: { on: true } } });

    const delivery = await eventually(() => receiver.received[0], 10000);
    expect(JSON.parse(delivery.rawBody)).toMatchObject({
      homeId, eventType: 'state-changed', eventData: { on: true }, originDeviceId: device.id,
    });
  });
});
