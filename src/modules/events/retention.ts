import type { Logger } from '../../lib/logger';
import type { OutboxRepository } from '../outbox/outbox.repository';
import type { EventsRepository } from './events.repository';

// Keeps EVENT_RETENTION_DAYS of history (by time of receipt) and forgets delivered outbox rows
// just as old. Deletes in small batches so a large backlog never holds long locks.

export class EventRetention {
  constructor(
    private readonly events: EventsRepository,
    private readonly outbox: OutboxRepository,
    private readonly retentionDays: number,
    private readonly logger: Logger,
    private readonly batchSize = 1_000,
  ) {}

  /** One batch of each; true when a batch was full and more are likely waiting. */
  async runOnce(): Promise<boolean> {
    const events = await this.events.deleteReceivedBefore(this.retentionDays, this.batchSize);
    const messages = await this.outbox.deleteSentBefore(this.retentionDays, this.batchSize);
    if (events > 0 || messages > 0) this.logger.info({ events, outboxMessages: messages, retentionDays: this.retentionDays }, 'retention removed old rows');
    return events === this.batchSize || messages === this.batchSize;
  }
}
