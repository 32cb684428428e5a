import type { Logger } from './logger';

// Tells every instance that something it may keep in memory changed: an account (status, role,
// deletion) or a home's members. In one process a direct call; with REDIS_URL a Redis channel
// (stream/redis-change-bus.ts). A message carries only the ID: each instance re-reads the truth.

export type ChangeTopic = 'account' | 'home-members';

export interface ChangeBus {
  publish(topic: ChangeTopic, id: string): Promise<void>;
  /** Calls `handler` for every change of `topic` published by any instance, this one included. */
  subscribe(topic: ChangeTopic, handler: (id: string) => void): () => void;
}

export class ChangeHandlers {
  private readonly handlers = new Map<ChangeTopic, Set<(id: string) => void>>();

  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  add(topic: ChangeTopic, handler: (id: string) => void): () => void {
    const set = this.handlers.get(topic) ?? new Set();
    set.add(handler);
    this.handlers.set(topic, set);
    return () => set.delete(handler);
  }

  deliver(topic: ChangeTopic, id: string): void {
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(id);
      } catch (error) {
        this.logger.error({ err: error, topic }, 'a change subscriber failed');
      }
    }
  }
}

export class InProcessChangeBus implements ChangeBus {
  private readonly handlers: ChangeHandlers;

  constructor(logger: Pick<Logger, 'error'>) {
    this.handlers = new ChangeHandlers(logger);
  }

  async publish(topic: ChangeTopic, id: string): Promise<void> {
    this.handlers.deliver(topic, id);
  }

  subscribe(topic: ChangeTopic, handler: (id: string) => void): () => void {
    return this.handlers.add(topic, handler);
  }
}
