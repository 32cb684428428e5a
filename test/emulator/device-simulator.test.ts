import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '../../src/emulator';
import { startDeviceSimulator, type RunningSimulator } from '../../scripts/lib/device-simulator';
import { call, createHome, eventually, linkUser, startWebhookReceiver } from './helpers';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const script = join(root, 'scripts', 'device-simulator.ts');

let emulator: Emulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let simulator: RunningSimulator | undefined;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  emulator = await createEmulator({ webhooks: [{ url: receiver.url, key: 'k' }] });
});

afterEach(async () => {
  simulator?.stop();
  simulator = undefined;
  await emulator.close();
  await receiver.close();
});

describe('device simulator command line', () => {
  it('when asked for --help, then it prints its usage and exits 0', () => {
    const result = spawnSync(tsx, [script, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--device-id');
  });

  it('when the device id is not a number, then it prints its usage and exits 2', () => {
    const result = spawnSync(tsx, [script, '--url', emulator.url, '--device-id', 'lamp', '--api-key', 'k'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: device-simulator');
  });
});

describe('device simulator', () => {
  it('when it makes itself claimable and gets a set-state command, then it answers with a state-changed event', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'lamp' });
    const log: { message: string; details?: object }[] = [];
    const user = await linkUser(emulator);
    const homeId = await createHome(emulator, user);

    simulator = await startDeviceSimulator(
      { url: emulator.url, deviceId: device.id, apiKey: device.apiKey, claimableSeconds: 60 },
      (message, details) => log.push({ message, details }),
    );
    await eventually(() => (log.some((line) => line.message === 'connected') ? true : undefined));
    const claim = await call(emulator, 'POST', '/devices', { key: user.key, form: { homeId, claimCode: device.claimCode } });
    expect(claim.status).toBe(201);

    await call(emulator, 'PUT', `/devices/${device.id}/command`, { key: user.key, json: { action: 'set-state', parameters: { on: true } } });

    const delivery = await eventually(() => receiver.received[0]);
    expect(JSON.parse(delivery.rawBody)).toMatchObject({
      homeId, eventType: 'state-changed', eventData: { on: true }, originDeviceId: device.id,
    });
    await eventually(() => (log.some((line) => line.message === 'event sent') ? true : undefined));
    expect(log.map((line) => line.message)).toEqual(['claimable', 'connected', 'command received', 'event sent']);
  });

  it('when the cloud refuses its key, then it fails to start with the reason', async () => {
    const device = emulator.control.provisionDevice({ deviceClass: 'lamp' });
    await expect(
      startDeviceSimulator({ url: emulator.url, deviceId: device.id, apiKey: 'not-the-key', claimableSeconds: 60 }, () => undefined),
    ).rejects.toThrow(/POST \/deviceRegistration answered 401/);
  });
});
