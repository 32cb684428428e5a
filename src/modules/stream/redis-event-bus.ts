import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger';
import type { DeviceStateChange } from '../devices/device-state.schemas';
import type { EventView } from '../events/events.schemas';
import { describeChange, describeEvent, Subscribers, type EventBus } from './event-bus';

// The event bus of several instances: every instance publishes stored events (and device state
// changes, on a channel of their own, so an instance that does not know them ignores them) to
// Redis, and every instance (itself included) hands what arrives to its own stream hub.

const EVENTS_CHANNEL = 'mode-bridge:events';
const DEVICE_STATE_CHANNEL = 'mode-bridge:device-state';

export class RedisEventBus implements EventBus {
  private readonly events: Subscribers<EventView>;
  private readonly changes: Subscribers<DeviceStateChange>;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.events = new Subscribers(logger, describeEvent);
    this.changes = new Subscribers(logger, describeChange);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === EVENTS_CHANNEL) this.deliver(this.events, message);
      else if (channel === DEVICE_STATE_CHANNEL) this.deliver(this.changes, message);
    });
  }

  /** Subscribes before the first stream client can connect, so no event is missed in between. */
  async start(): Promise<void> {
    this.subscribed ??= this.subscriber.subscribe(EVENTS_CHANNEL, DEVICE_STATE_CHANNEL);
    await this.subscribed;
  }

  async publish(event: EventView): Promise<void> {
    await this.publisher.publish(EVENTS_CHANNEL, JSON.stringify(event));
  }

  subscribe(handler: (event: EventView) => void): () => void {
    return this.events.add(handler);
  }

  async publishDeviceState(change: DeviceStateChange): Promise<void> {
    await this.publisher.publish(DEVICE_STATE_CHANNEL, JSON.stringify(change));
  }

  subscribeDeviceState(handler: (change: DeviceStateChange) => void): () => void {
    return this.changes.add(handler);
  }

  private deliver<M>(subscribers: Subscribers<M>, message: string): void {
    let parsed: M;
    try {
      parsed = JSON.parse(message) as M;
    } catch {
      this.logger.warn('ignored an unreadable message on the event channel');
      return;
    }
    subscribers.deliver(parsed);
  }
}
