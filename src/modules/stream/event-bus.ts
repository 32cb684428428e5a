import type { Logger } from '../../lib/logger';
import type { EventView } from '../events/events.schemas';

// How a stored event reaches the live streams. In one process a direct call; with several
// instances an implementation over Redis pub/sub carries it to every instance's stream hub.
// Delivery is best-effort and may repeat: the hub drops repeats by event ID, and anything missed
// is in the stored history (clients resume with Last-Event-ID).

export interface EventBus {
  /** Hands a stored event (its JSON view, so it can cross processes) to every subscriber. */
  publish(event: EventView): Promise<void>;
  /** Calls `handler` for every published event; returns the function that unsubscribes. */
  subscribe(handler: (event: EventView) => void): () => void;
}

export class InProcessEventBus implements EventBus {
  private readonly handlers = new Set<(event: EventView) => void>();

  constructor(private readonly logger: Logger) {}

  async publish(event: EventView): Promise<void> {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error({ err: error, eventId: event.id }, 'event bus subscriber failed');
      }
    }
  }

  subscribe(handler: (event: EventView) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}
