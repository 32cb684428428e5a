import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../lib/logger';
import { OutboxDispatcher, type DeliveryRecorder, type DispatcherOptions, type OutboxBatchHandler, type OutboxHandler, type TopicHandler } from './dispatcher';
import type { NewOutboxMessage, OutboxRepository, Sql } from './outbox.repository';

// The outbox as the rest of the bridge sees it: enqueue inside your own transaction, then wake
// the dispatcher of this instance (others find the rows on their next poll).

export interface OutboxDeps {
  repository: OutboxRepository;
  logger: Logger;
  metrics: Registry;
  options: Omit<DispatcherOptions, 'batchSize' | 'bulkSize' | 'maxRetryDelayMs'> & Partial<Pick<DispatcherOptions, 'batchSize' | 'bulkSize' | 'maxRetryDelayMs'>>;
}

export class Outbox {
  private readonly handlers: Record<string, TopicHandler> = {};
  private readonly listeners = new Set<() => void>();
  private readonly recorder: DeliveryRecorder;
  private readonly options: DispatcherOptions;
  /** The dispatcher the background poller runs; tests call its runOnce()/drain() directly. */
  readonly dispatcher: OutboxDispatcher;

  constructor(private readonly deps: OutboxDeps) {
    this.options = { batchSize: 20, bulkSize: 200, maxRetryDelayMs: 60 * 60_000, ...deps.options };
    this.recorder = deliveryMetrics(deps.metrics, deps.repository, deps.logger);
    this.dispatcher = this.createDispatcher();
  }

  /**
   * Registers how messages of a topic are delivered: one at a time, concurrently. `maxAttempts`
   * replaces OUTBOX_MAX_ATTEMPTS for this topic (Infinity: work that must happen eventually,
   * retried with capped backoff until it succeeds rather than dead-lettered).
   */
  handle(topic: string, handler: OutboxHandler, options: { maxAttempts?: number } = {}): void {
    this.handlers[topic] = { each: handler, ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }) };
  }

  /** Registers a handler that takes all of a claim's messages of the topic at once. */
  handleBatch(topic: string, handler: OutboxBatchHandler): void {
    this.handlers[topic] = { batch: handler };
  }

  /** Inserts messages within the caller's transaction; a key that exists already is skipped. */
  enqueue(sql: Sql, messages: NewOutboxMessage[]): Promise<void> {
    return this.deps.repository.insert(sql, messages);
  }

  /** Call after the transaction that enqueued has committed. */
  wake(): void {
    for (const listener of this.listeners) listener();
  }

  onWake(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Another dispatcher over the same rows (a second instance, or a test's). */
  createDispatcher(overrides: Partial<DispatcherOptions> = {}): OutboxDispatcher {
    return new OutboxDispatcher(this.deps.repository, this.handlers, { ...this.options, ...overrides }, this.deps.logger, this.recorder);
  }

  counts() {
    return this.deps.repository.countByStatus();
  }
}

function deliveryMetrics(registry: Registry, repository: OutboxRepository, logger: Logger): DeliveryRecorder {
  const deliveries = new Counter({
    name: 'outbox_deliveries_total',
    help: 'Outbox delivery attempts by topic and outcome (sent, retry, dead)',
    labelNames: ['topic', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'outbox_messages',
    help: 'Outbox messages by status; "dead" ones need an operator',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await repository.countByStatus();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      } catch (error) {
        logger.warn({ err: error }, 'could not count outbox messages for the metrics');
      }
    },
  });
  return {
    delivered: (topic) => deliveries.inc({ topic, outcome: 'sent' }),
    retried: (topic) => deliveries.inc({ topic, outcome: 'retry' }),
    deadLettered: (topic) => deliveries.inc({ topic, outcome: 'dead' }),
  };
}
