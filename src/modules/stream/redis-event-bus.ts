import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger';
import type { EventView } from '../events/events.schemas';
import type { EventBus } from './event-bus';

// The event bus of several instances: every instance publishes stored events to one Redis
// channel and every instance (itself included) hands what arrives to its own stream hub.

const CHANNEL = 'mode-bridge:events';

export class RedisEventBus implements EventBus {
  private readonly handlers = new Set<(event: EventView) => void>();
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) this.deliver(message);
    });
  }

  /** Subscribes before the first stream client can connect, so no event is missed in between. */
  async start(): Promise<void> {
    this.subscribed ??= this.subscriber.subscribe(CHANNEL);
    await this.subscribed;
  }

  async publish(event: EventView): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify(event));
  }

  subscribe(handler: (event: EventView) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private deliver(message: string): void {
    let event: EventView;
    try {
      event = JSON.parse(message) as EventView;
    } catch {
      this.logger.warn('ignored an unreadable message on the event channel');
      return;
    }
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error({ err: error, eventId: event.id }, 'event bus subscriber failed');
      }
    }
  }
}
