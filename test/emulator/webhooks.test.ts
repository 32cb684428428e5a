import { createHmac } from 'node:crypto';
import { createEmulator, type Emulator } from '../../src/emulator';
import { call, claimedDevice, createHome, eventually, linkUser, startWebhookReceiver } from './helpers';

const webhookKey = 'webhook-secret';

function expectedSignature(url: string, rawBody: string): string {
  return createHmac('sha256', webhookKey).update(url + rawBody).digest('hex');
}

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
let emulator: Emulator;
let receiver: Receiver;

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

async function start(opts: { failures?: number } = {}) {
  receiver = await startWebhookReceiver(opts);
  emulator = await createEmulator({ webhooks: [{ url: receiver.url, key: webhookKey }] });
  const owner = await linkUser(emulator);
  const homeId = await createHome(emulator, owner);
  const device = await claimedDevice(emulator, owner, homeId);
  return { homeId, device };
}

describe('device events through the Webhooks Smart Module', () => {
  it('when a device sends an event, then 204 and the webhook receives it signed over URL + body', async () => {
    const { homeId, device } = await start();

    const sent = await call(emulator, 'PUT', `/devices/${device.id}/event`, {
      key: device.apiKey, json: { eventType: 'temperature', eventData: { celsius: 21.5 } },
    });

    expect(sent.status).toBe(204);
    const delivery = await eventually(() => receiver.received[0]);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-mode-signature']).toBe(expectedSignature(receiver.url, delivery.rawBody));
    expect(JSON.parse(delivery.rawBody)).toEqual({
      homeId,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      eventType: 'temperature',
      eventData: { celsius: 21.5 },
      originDeviceId: device.id,
      originDeviceClass: 'thermostat',
      originDeviceIp: '127.0.0.1',
    });
  });

  it('when the control emits a device event, then it resolves after the webhook has it', async () => {
    const { device } = await start();
    await emulator.control.emitDeviceEvent(device.id, { eventType: 'door-open' });
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0]!.rawBody)).toMatchObject({ eventType: 'door-open', eventData: {}, originDeviceId: device.id });
  });

  it('when the receiver fails twice, then the event is retried and delivered on the third attempt', async () => {
    const { device } = await start({ failures: 2 });
    await emulator.control.emitDeviceEvent(device.id, { eventType: 'ping' });
    expect(receiver.attempts()).toBe(3);
    expect(receiver.received).toHaveLength(1);
  });

  it('when the receiver hangs, then the device gets 204 before the delivery is answered', async () => {
    receiver = await startWebhookReceiver({ hold: true });
    emulator = await createEmulator({ webhooks: [{ url: receiver.url, key: webhookKey }] });
    const owner = await linkUser(emulator);
    const device = await claimedDevice(emulator, owner, await createHome(emulator, owner));

    const sent = await call(emulator, 'PUT', `/devices/${device.id}/event`, { key: device.apiKey, json: { eventType: 'ping' } });
    expect(sent.status).toBe(204);
    expect(receiver.received).toHaveLength(0);
    await eventually(() => (receiver.waiting() === 1 ? true : undefined));
    receiver.release();
    await eventually(() => receiver.received[0]);
  });

  it('when the receiver is down, then deliveries are given up after 4 attempts and the emulator keeps serving', async () => {
    const { device } = await start();
    await receiver.close();

    const sent = await call(emulator, 'PUT', `/devices/${device.id}/event`, { key: device.apiKey, json: { eventType: 'ping' } });
    expect(sent.status).toBe(204);

    await emulator.control.emitDeviceEvent(device.id, { eventType: 'ping' });
    const state = emulator.control.getState() as { webhookDeliveries: { delivered: boolean; attempts: number }[] };
    expect(state.webhookDeliveries.at(-1)).toMatchObject({ delivered: false, attempts: 4 });
    expect((await call(emulator, 'GET', '/auth', { key: device.apiKey })).status).toBe(200);
    receiver = await startWebhookReceiver();
  });

  it('when the event body is not JSON or has no eventType, then 403; another device\'s key gets 404', async () => {
    const { device } = await start();
    const other = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    expect((await call(emulator, 'PUT', `/devices/${device.id}/event`, { key: device.apiKey, form: { eventType: 'x' } })).status).toBe(403);
    expect((await call(emulator, 'PUT', `/devices/${device.id}/event`, { key: device.apiKey, json: { eventData: 1 } })).status).toBe(403);
    expect((await call(emulator, 'PUT', `/devices/${device.id}/event`, { key: other.apiKey, json: { eventType: 'x' } })).status).toBe(404);
  });

  it('when a device in no home sends an event, then 204 and nothing is delivered', async () => {
    const { device } = await start();
    const loose = emulator.control.provisionDevice({ deviceClass: 'thermostat' });
    expect((await call(emulator, 'PUT', `/devices/${loose.id}/event`, { key: loose.apiKey, json: { eventType: 'from-nowhere' } })).status).toBe(204);
    // A later event of a device in a home is delivered (emit resolves once it is); the loose one never was.
    await emulator.control.emitDeviceEvent(device.id, { eventType: 'from-home' });
    expect(receiver.received.map((delivery) => JSON.parse(delivery.rawBody).eventType)).toEqual(['from-home']);
    const deliveries = (emulator.control.getState() as { webhookDeliveries: { eventType: string }[] }).webhookDeliveries;
    expect(deliveries.map((delivery) => delivery.eventType)).toEqual(['from-home']);
  });
});

describe('events sent to a home', () => {
  it('when a project key with send-events permission sends one, then 204 and the webhook gets it with originDeviceId 0', async () => {
    const { homeId } = await start();
    const sent = await call(emulator, 'PUT', `/homes/${homeId}/event`, { key: emulator.projectKey, json: { eventType: 'notice', eventData: { text: 'hi' } } });
    expect(sent.status).toBe(204);
    const delivery = await eventually(() => receiver.received[0]);
    expect(JSON.parse(delivery.rawBody)).toMatchObject({ homeId, eventType: 'notice', eventData: { text: 'hi' }, originDeviceId: 0 });
  });

  it('when the project key may not send events, then 403 ACCESS_DENIED', async () => {
    const { homeId } = await start();
    const key = emulator.control.createProjectKey({ byou: true, canSendEvents: false });
    const sent = await call(emulator, 'PUT', `/homes/${homeId}/event`, { key, json: { eventType: 'notice' } });
    expect([sent.status, sent.body.reason]).toEqual([403, 'ACCESS_DENIED']);
  });

  it('when the webhooks are replaced, then events go to the new receiver only', async () => {
    const { device } = await start();
    const second = await startWebhookReceiver();
    emulator.control.setWebhooks([{ url: second.url, key: 'other' }]);
    await emulator.control.emitDeviceEvent(device.id, { eventType: 'ping' });
    expect(receiver.received).toHaveLength(0);
    expect(second.received).toHaveLength(1);
    await second.close();
  });
});
