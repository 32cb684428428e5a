import { NotFoundError } from '../../lib/errors';
import type { AuditRecord, AuditRepository } from '../audit/audit.repository';
import type { OutboxMessageDetail, OutboxMessageView, OutboxAdminRepository, OutboxListFilter, RequeuedMessage, TopicCounts } from '../outbox/outbox-admin.repository';
import type { OutboxStatus } from '../outbox/outbox.repository';
import type { AuditEntry } from './admin.schemas';
import { toAuditEntry } from './audit-log.service';
import type { AdminActor } from './user-lifecycle.service';

// What operators do with outbox messages (the `outbox` script): see how the queue stands, look at
// messages, and retry dead letters. A retry puts a dead message back in the queue as if new; each
// one is audited, and messages in any other state are left as they are.

export const RETRY_ACTION = 'admin.outbox.retry';
export const RETRY_ALL_ACTION = 'admin.outbox.retry_all_dead';

export interface OutboxCounts {
  totals: Record<OutboxStatus, number>;
  byTopic: TopicCounts[];
  oldestPendingAt: Date | null;
  oldestPendingAgeSeconds: number | null;
}

export interface RetryOutcome {
  dryRun: boolean;
  /** Dead messages put back in the queue (with a dry run: that would be). */
  retried: RequeuedMessage[];
  /** Named messages that are not dead: left untouched. */
  skipped: { id: string; status: OutboxStatus }[];
  /** Named IDs that do not exist. */
  unknown: string[];
}

export interface RetryAllOutcome {
  dryRun: boolean;
  topic: string | null;
  retried: RequeuedMessage[];
  interrupted: boolean;
}

export interface RetryAllOptions {
  topic?: string;
  dryRun?: boolean;
  batchSize?: number;
  signal?: AbortSignal;
}

export class OutboxMessagesService {
  constructor(
    private readonly outbox: OutboxAdminRepository,
    private readonly audit: AuditRepository,
  ) {}

  async counts(): Promise<OutboxCounts> {
    const byTopic = await this.outbox.countsByTopic();
    const totals = { pending: 0, sent: 0, dead: 0 };
    let oldest: TopicCounts | undefined;
    for (const topic of byTopic) {
      totals.pending += topic.pending;
      totals.sent += topic.sent;
      totals.dead += topic.dead;
      if (topic.oldestPendingAt && (!oldest?.oldestPendingAt || topic.oldestPendingAt < oldest.oldestPendingAt)) oldest = topic;
    }
    return { totals, byTopic, oldestPendingAt: oldest?.oldestPendingAt ?? null, oldestPendingAgeSeconds: oldest?.oldestPendingAgeSeconds ?? null };
  }

  list(filter: OutboxListFilter): Promise<OutboxMessageView[]> {
    return this.outbox.list(filter);
  }

  /** One message and its latest retries; the payload only when asked for. */
  async show(id: string, options: { payload?: boolean } = {}): Promise<{ message: OutboxMessageDetail; retries: AuditEntry[] }> {
    const message = await this.outbox.find(id, options);
    if (!message) throw new NotFoundError(`No outbox message ${id}`);
    const retries = await this.audit.list({ action: RETRY_ACTION, targetId: id, limit: 5 });
    return { message, retries: retries.map(toAuditEntry) };
  }

  async retry(actor: AdminActor, ids: string[], options: { dryRun?: boolean } = {}): Promise<RetryOutcome> {
    const wanted = [...new Set(ids.map((id) => BigInt(id).toString()))];
    if (options.dryRun) {
      const found = await this.outbox.findMany(wanted);
      return { dryRun: true, ...sortOut(wanted, found, found.filter((message) => message.status === 'dead').map(asRequeued)) };
    }
    const retried = await this.outbox.requeueDead(wanted);
    const requeuedIds = new Set(retried.map((message) => message.id));
    const rest = wanted.filter((id) => !requeuedIds.has(id));
    const outcome = sortOut(rest, await this.outbox.findMany(rest), retried);
    await this.audit.recordMany([
      ...outcome.retried.map((message) => this.retryEntry(actor, message)),
      // Recorded too, like any admin action that found nothing to change.
      ...outcome.skipped.map(({ id, status }) => this.entry(actor, RETRY_ACTION, id, { changed: false, status })),
    ]);
    return { dryRun: false, ...outcome };
  }

  /** Every dead message (of one topic), in batches; stops between batches when `signal` aborts. */
  async retryAllDead(actor: AdminActor, options: RetryAllOptions = {}): Promise<RetryAllOutcome> {
    const outcome: RetryAllOutcome = { dryRun: options.dryRun ?? false, topic: options.topic ?? null, retried: [], interrupted: false };
    // A cursor, so that a message dead-lettered again during the run is not retried twice.
    let afterId: string | undefined;
    for (;;) {
      if (options.signal?.aborted) {
        outcome.interrupted = true;
        break;
      }
      const batch = await this.outbox.dead({ topic: options.topic, afterId, limit: options.batchSize ?? 500 });
      if (batch.length === 0) break;
      afterId = batch[batch.length - 1]!.id;
      if (outcome.dryRun) {
        outcome.retried.push(...batch.map(asRequeued));
        continue;
      }
      const retried = await this.outbox.requeueDead(batch.map((message) => message.id));
      await this.audit.recordMany(retried.map((message) => this.retryEntry(actor, message)));
      outcome.retried.push(...retried);
    }
    if (!outcome.dryRun) {
      await this.audit.record(this.entry(actor, RETRY_ALL_ACTION, null, { topic: outcome.topic, retried: outcome.retried.length, interrupted: outcome.interrupted }));
    }
    return outcome;
  }

  private retryEntry(actor: AdminActor, message: RequeuedMessage): AuditRecord {
    return this.entry(actor, RETRY_ACTION, message.id, {
      changed: true,
      topic: message.topic,
      idempotencyKey: message.idempotencyKey,
      from: 'dead',
      to: 'pending',
      attempts: message.previousAttempts,
      lastError: message.lastError?.slice(0, 200) ?? null,
    });
  }

  private entry(actor: AdminActor, action: string, targetId: string | null, details: Record<string, unknown>): AuditRecord {
    return {
      actorType: 'admin',
      actorId: actor.userId,
      action,
      ...(targetId === null ? {} : { targetType: 'outbox_message', targetId }),
      result: 'success',
      ip: actor.ip,
      details: { via: actor.via, ...(actor.operator ? { operator: actor.operator } : {}), ...details },
    };
  }
}

function asRequeued(message: OutboxMessageView): RequeuedMessage {
  return { id: message.id, topic: message.topic, idempotencyKey: message.idempotencyKey, previousAttempts: message.attempts, lastError: message.lastError };
}

/** Splits the named IDs not in `retried` into those found (skipped: not dead) and unknown ones. */
function sortOut(ids: string[], found: OutboxMessageView[], retried: RequeuedMessage[]): Omit<RetryOutcome, 'dryRun'> {
  const byId = new Map(found.map((message) => [message.id, message]));
  const retriedIds = new Set(retried.map((message) => message.id));
  const others = ids.filter((id) => !retriedIds.has(id));
  return {
    retried,
    skipped: others.flatMap((id) => (byId.has(id) ? [{ id, status: byId.get(id)!.status }] : [])),
    unknown: others.filter((id) => !byId.has(id)),
  };
}
