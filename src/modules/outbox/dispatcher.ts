import type { Logger } from '../../lib/logger';
import type { OutboxMessage, OutboxRepository } from './outbox.repository';

// Delivers claimed outbox messages through the handler of their topic. Success marks the row
// sent; a failure schedules a retry with exponential backoff and jitter, and the last allowed
// attempt dead-letters it. A dispatcher that dies mid-delivery simply never reports: its lease
// expires and another claim delivers again, so delivery is at-least-once and every handler
// passes the message's idempotency key on for receivers to drop repeats.
//
// A topic's handler takes either one message at a time (outbound channels, delivered
// concurrently) or the topic's whole share of a claim (work that is cheaper in bulk, such as
// fanning out stored events). When a batch fails, its messages are retried one by one at once, so
// one bad message is not held against the others and its failure is recorded against it alone.

export type OutboxHandler = (message: OutboxMessage) => Promise<void>;
export type OutboxBatchHandler = (messages: OutboxMessage[]) => Promise<void>;

/** `maxAttempts` overrides the dispatcher's for one topic: Infinity retries until it succeeds. */
export type TopicHandler = ({ each: OutboxHandler } | { batch: OutboxBatchHandler }) & { maxAttempts?: number };

/** Thrown by a handler when retrying cannot help (unknown topic, malformed payload): dead at once. */
export class PermanentDeliveryError extends Error {}

export interface DispatcherOptions {
  /** Messages of one-at-a-time topics claimed per pass; they are delivered concurrently. */
  batchSize: number;
  /** Messages of batch topics claimed per pass; each topic's share is handled together. */
  bulkSize: number;
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
    private readonly handlers: Readonly<Record<string, TopicHandler>>,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
    private readonly recorder?: DeliveryRecorder,
  ) {}

  /** One pass: claims due messages and delivers them. Returns how many messages were claimed. */
  async runOnce(): Promise<number> {
    const topics = Object.keys(this.handlers);
    const bulkTopics = topics.filter((topic) => 'batch' in (this.handlers[topic] ?? {}));
    const eachTopics = topics.filter((topic) => !bulkTopics.includes(topic));
    const { batchSize, bulkSize, leaseMs } = this.options;
    const claimed = await this.repository.claim(
      [
        { topics: bulkTopics, limit: bulkSize },
        { topics: eachTopics, limit: batchSize },
      ],
      leaseMs,
    );
    const byTopic = new Map<string, OutboxMessage[]>();
    const work: Promise<void>[] = [];
    for (const message of claimed) {
      // Claimed again after every earlier claimer died with it: a poison message, stop here.
      if (message.attempts > this.maxAttemptsOf(message.topic)) {
        work.push(this.fail(message, new PermanentDeliveryError('lease expired on the last allowed attempt')));
      } else {
        byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
      }
    }
    for (const [topic, messages] of byTopic) {
      const handler = this.handlers[topic];
      if (handler && 'batch' in handler) work.push(this.deliverBatch(handler.batch, messages));
      else work.push(...messages.map((message) => this.deliver(message, handler?.each)));
    }
    await Promise.all(work);
    return claimed.length;
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

  private maxAttemptsOf(topic: string): number {
    return this.handlers[topic]?.maxAttempts ?? this.options.maxAttempts;
  }

  private async deliverBatch(handler: OutboxBatchHandler, messages: OutboxMessage[]): Promise<void> {
    if (messages.length > 1) {
      try {
        await handler(messages);
      } catch (error) {
        this.logger.warn({ topic: messages[0]?.topic, size: messages.length, error: errorText(error) }, 'outbox batch failed; delivering its messages one by one');
        await Promise.all(messages.map((message) => this.deliver(message, (one) => handler([one]))));
        return;
      }
      await this.succeeded(messages);
      return;
    }
    await Promise.all(messages.map((message) => this.deliver(message, (one) => handler([one]))));
  }

  private async deliver(message: OutboxMessage, handler: OutboxHandler | undefined): Promise<void> {
    try {
      if (!handler) throw new PermanentDeliveryError(`no handler for topic ${message.topic}`);
      await handler(message);
    } catch (error) {
      await this.fail(message, error);
      return;
    }
    await this.succeeded([message]);
  }

  private async succeeded(messages: OutboxMessage[]): Promise<void> {
    await this.repository.markSent(messages.map((message) => message.id));
    for (const message of messages) this.recorder?.delivered(message.topic);
  }

  private async fail(message: OutboxMessage, error: unknown): Promise<void> {
    const dead = error instanceof PermanentDeliveryError || message.attempts >= this.maxAttemptsOf(message.topic);
    const retryInMs = dead ? 0 : backoffMs(message.attempts, this.options.retryBaseMs, this.options.maxRetryDelayMs);
    const reason = errorText(error);
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
