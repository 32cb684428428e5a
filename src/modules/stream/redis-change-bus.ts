import type { Redis } from 'ioredis';
import { ChangeHandlers, type ChangeBus, type ChangeTopic } from '../../lib/change-bus';
import type { Logger } from '../../lib/logger';

// The change bus of several instances, beside the event channel on the same Redis connections:
// an instance that disables a user or changes a home's members tells all the others at once.

const CHANNEL = 'mode-bridge:changes';
const TOPICS: readonly ChangeTopic[] = ['account', 'home-members'];

export class RedisChangeBus implements ChangeBus {
  private readonly handlers: ChangeHandlers;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.handlers = new ChangeHandlers(logger);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) this.receive(message);
    });
  }

  async start(): Promise<void> {
    this.subscribed ??= this.subscriber.subscribe(CHANNEL);
    await this.subscribed;
  }

  async publish(topic: ChangeTopic, id: string): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify({ topic, id }));
  }

  subscribe(topic: ChangeTopic, handler: (id: string) => void): () => void {
    return this.handlers.add(topic, handler);
  }

  private receive(message: string): void {
    try {
      const { topic, id } = JSON.parse(message) as { topic: ChangeTopic; id: unknown };
      if (TOPICS.includes(topic) && typeof id === 'string') this.handlers.deliver(topic, id);
    } catch {
      this.logger.warn('ignored an unreadable message on the change channel');
    }
  }
}
