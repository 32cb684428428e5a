import pino from 'pino';
import { InProcessEventBus } from '../../src/modules/stream/event-bus';
import type { EventView } from '../../src/modules/events/events.schemas';
import type { DeviceStateChange } from '../../src/modules/devices/device-state.schemas';

// The bus of one instance hands events to the streams on the next turn of the event loop, as the
// Redis bus does: the webhook that stored an event answers MODE without waiting for a fan-out to
// every open stream.

const event = (id: string): EventView => ({ id, homeId: 1, deviceId: 2, deviceClass: 'lamp', eventType: 'on', eventData: {}, timestamp: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:00.001Z' });
const change = (eventId: string): DeviceStateChange => ({ deviceId: 2, homeId: 1, eventType: 'on', eventData: {}, timestamp: '2026-01-01T00:00:00.000Z', eventId });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('when an event is published, then the publisher goes on before subscribers get it, and they get it on the next turn, in order with its state change', async () => {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const seen: string[] = [];
  bus.subscribe((published) => seen.push(`event ${published.id}`));
  bus.subscribeDeviceState((published) => seen.push(`state ${published.eventId}`));

  await bus.publish(event('1'));
  await bus.publishDeviceState(change('1'));
  await bus.publish(event('2'));
  expect(seen).toEqual([]);

  await nextTurn();
  expect(seen).toEqual(['event 1', 'state 1', 'event 2']);
});

test('when one subscriber throws, then the others still get the event', async () => {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const seen: string[] = [];
  bus.subscribe(() => {
    throw new Error('broken subscriber');
  });
  bus.subscribe((published) => seen.push(published.id));
  await bus.publish(event('7'));
  await nextTurn();
  expect(seen).toEqual(['7']);
});
