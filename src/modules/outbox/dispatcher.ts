import type { Logger } from '../../lib/logger';
import type { OutboxMessage, OutboxRepository } from './outbox.repository';

// Delivers claimed outbox messages through the handler of their topic. Success marks the row
// sent; a failure schedules a retry with exponential backoff and jitter, and the last allowed
// attempt dead-letters it. A dispatcher that dies mid-delivery simply never reports: its lease
// expires and another claim delivers again, so delivery is at-least-once and every handler
// passes the message's idempotency key on for receivers to drop repeats.

export type OutboxHandler = (message: OutboxMessage) => Promise<void>;

/** Thrown by a handler when retrying cannot help (unknown topic, malformed payload): dead at once. */
export class PermanentDeliveryError extends Error {}

export interface DispatcherOptions {
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
}

export interface DeliveryRecorder {
  delivered(topic: string): void;
  retried(topic: string): void;
  deadLettered(topic: string): void;
}

export function backoffMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class OutboxDispatcher {
  constructor(
    private readonly repository: OutboxRepository,
    private readonly handlers: Readonly<Record<string, OutboxHandler>>,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
    private readonly recorder?: DeliveryRecorder,
  ) {}

  /** One pass: claims a batch and delivers it. Returns how many messages were claimed. */
  async runOnce(): Promise<number> {
    const batch = await this.repository.claim(Object.keys(this.handlers), this.options.batchSize, this.options.leaseMs);
    await Promise.all(batch.map((message) => this.deliver(message)));
    return batch.length;
  }

  /** Runs passes until nothing is due (tests and scripts; the server uses a poller). */
  async drain(maxPasses = 100): Promise<number> {
    let total = 0;
    for (let pass = 0; pass < maxPasses; pass += 1) {
      const claimed = await this.runOnce();
      if (claimed === 0) break;
      total += claimed;
    }
    return total;
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { topic, attempts } = message;
    // Claimed again after every earlier claimer died with it: a poison message, stop here.
    if (attempts > this.options.maxAttempts) {
      await this.fail(message, new PermanentDeliveryError('lease expired on the last allowed attempt'));
      return;
    }
    const handler = this.handlers[topic];
    try {
      if (!handler) throw new PermanentDeliveryError(`no handler for topic ${topic}`);
      await handler(message);
    } catch (error) {
      await this.fail(message, error);
      return;
    }
    await this.repository.markSent(message.id);
    this.recorder?.delivered(topic);
  }

  private async fail(message: OutboxMessage, error: unknown): Promise<void> {
    const dead = error instanceof PermanentDeliveryError || message.attempts >= this.options.maxAttempts;
    const retryInMs = dead ? 0 : backoffMs(message.attempts, this.options.retryBaseMs, this.options.maxRetryDelayMs);
    const reason = error instanceof Error ? error.message : String(error);
    await this.repository.markFailed(message, reason, { dead, retryInMs });
    const context = { outboxId: message.id, topic: message.topic, attempts: message.attempts, error: reason };
    if (dead) {
      this.recorder?.deadLettered(message.topic);
      this.logger.error(context, 'outbox message dead-lettered');
    } else {
      this.recorder?.retried(message.topic);
      this.logger.warn({ ...context, retryInMs }, 'outbox delivery failed; will retry');
    }
  }
}
