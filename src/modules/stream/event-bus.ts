import type { Logger } from '../../lib/logger';
import type { DeviceStateChange } from '../devices/device-state.schemas';
import type { EventView } from '../events/events.schemas';

// How a stored event, and the change of device state it made, reach the live streams. In one
// process a call on the next turn of the event loop; with several instances an implementation over Redis pub/sub carries them
// to every instance's stream hub. Delivery is best-effort and may repeat: the hub drops repeated
// events by ID, and anything missed is in the stored history (clients resume with Last-Event-ID)
// or the stored device state.

export interface EventBus {
  /** Hands a stored event (its JSON view, so it can cross processes) to every subscriber. */
  publish(event: EventView): Promise<void>;
  /** Calls `handler` for every published event; returns the function that unsubscribes. */
  subscribe(handler: (event: EventView) => void): () => void;
  /** Hands a device's new latest value of one event type to every state subscriber. */
  publishDeviceState(change: DeviceStateChange): Promise<void>;
  subscribeDeviceState(handler: (change: DeviceStateChange) => void): () => void;
}

/** Subscribers of one kind of message; one failing does not keep the message from the others. */
export class Subscribers<M> {
  private readonly handlers = new Set<(message: M) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly describe: (message: M) => Record<string, unknown>,
  ) {}

  add(handler: (message: M) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  deliver(message: M): void {
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.logger.error({ err: error, ...this.describe(message) }, 'event bus subscriber failed');
      }
    }
  }
}

export const describeEvent = (event: EventView) => ({ eventId: event.id });
export const describeChange = (change: DeviceStateChange) => ({ eventId: change.eventId, deviceId: change.deviceId });

export class InProcessEventBus implements EventBus {
  private readonly events: Subscribers<EventView>;
  private readonly changes: Subscribers<DeviceStateChange>;
  /** Published since the last delivery, in order. */
  private queued: (() => void)[] = [];

  constructor(logger: Logger) {
    this.events = new Subscribers(logger, describeEvent);
    this.changes = new Subscribers(logger, describeChange);
  }

  // Delivered on the next turn of the event loop, as over Redis: the caller (the webhook that
  // stored the event) answers first instead of waiting for a fan-out to every open stream. What
  // was published in one turn is delivered together, so a stream sends an event and the device
  // state change it made in one write.
  private enqueue(deliver: () => void): void {
    if (this.queued.length === 0) setImmediate(() => this.deliverQueued());
    this.queued.push(deliver);
  }

  private deliverQueued(): void {
    const queued = this.queued;
    this.queued = [];
    for (const deliver of queued) deliver();
  }

  async publish(event: EventView): Promise<void> {
    this.enqueue(() => this.events.deliver(event));
  }

  subscribe(handler: (event: EventView) => void): () => void {
    return this.events.add(handler);
  }

  async publishDeviceState(change: DeviceStateChange): Promise<void> {
    this.enqueue(() => this.changes.deliver(change));
  }

  subscribeDeviceState(handler: (change: DeviceStateChange) => void): () => void {
    return this.changes.add(handler);
  }
}
