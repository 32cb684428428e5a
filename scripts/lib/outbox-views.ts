import type { AuditEntry } from '../../src/modules/admin/admin.schemas';
import type { OutboxCounts, RetryAllOutcome, RetryOutcome } from '../../src/modules/admin/outbox-messages.service';
import type { OutboxListFilter, OutboxMessageDetail, OutboxMessageView } from '../../src/modules/outbox/outbox-admin.repository';
import { formatTable, type SummaryRow } from './summary';

// How the `outbox` script shows what it found, for people (--json prints the objects as they are).
// Payloads appear only in `show --payload`; everything else leaves them out.

export function countsText(counts: OutboxCounts): string {
  const { pending, sent, dead } = counts.totals;
  const oldest = counts.oldestPendingAgeSeconds === null ? 'none pending' : `oldest pending ${time(counts.oldestPendingAt)} (${age(counts.oldestPendingAgeSeconds)} ago)`;
  const table = formatTable(
    ['topic', 'pending', 'sent', 'dead', 'oldest pending'],
    counts.byTopic.map((t) => [t.topic, String(t.pending), String(t.sent), String(t.dead), t.oldestPendingAgeSeconds === null ? '-' : age(t.oldestPendingAgeSeconds)]),
  );
  return `Outbox: ${pending} pending, ${sent} sent, ${dead} dead; ${oldest}\n${counts.byTopic.length > 0 ? table : ''}`;
}

export function listText(messages: OutboxMessageView[], filter: OutboxListFilter): string {
  const filters = [filter.status, filter.topic && `topic ${filter.topic}`].filter(Boolean).join(', ');
  const title = `${messages.length} outbox message(s)${filters ? ` (${filters})` : ''}, newest first\n`;
  if (messages.length === 0) return title;
  return title + formatTable(
    ['id', 'status', 'topic', 'idempotency key', 'attempts', 'created', 'next attempt', 'last error'],
    messages.map((m) => [m.id, m.status, m.topic, m.idempotencyKey, String(m.attempts), time(m.createdAt), m.status === 'pending' ? time(m.nextAttemptAt) : '-', oneLine(m.lastError, 60)]),
  );
}

export function showRows(message: OutboxMessageDetail, retries: AuditEntry[], payloadShown: boolean): SummaryRow[] {
  return [
    ['topic', message.topic],
    ['idempotency key', message.idempotencyKey],
    ['attempts', message.attempts],
    ['created', time(message.createdAt)],
    ['next attempt', message.status === 'pending' ? time(message.nextAttemptAt) : '-'],
    ['lease until', time(message.leaseUntil)],
    ['sent', time(message.sentAt)],
    ['last error', oneLine(message.lastError, Infinity)],
    ['payload', payloadShown ? `${message.payloadBytes} bytes, below` : `${message.payloadBytes} bytes, not shown (--payload prints it)`],
    ...retries.map((entry): SummaryRow => ['retried', `${entry.at} by ${String(entry.details.operator ?? entry.actorId ?? 'unknown')} via ${String(entry.details.via)}`]),
  ];
}

export function retrySummary(outcome: RetryOutcome, named: number): { title: string; rows: SummaryRow[] } {
  const count = `${outcome.retried.length} of ${named} message(s)`;
  return {
    title: outcome.dryRun ? `Dry run (nothing was written): would retry ${count}` : `Retried ${count}: pending again, due now`,
    rows: [
      [outcome.dryRun ? 'would retry' : 'retried', outcome.retried.map((m) => `${m.id} (${m.topic})`).join(', ') || 'none'],
      ...(outcome.skipped.length > 0 ? [['not dead, left as is', outcome.skipped.map((m) => `${m.id} (${m.status})`).join(', ')] as SummaryRow] : []),
      ...(outcome.unknown.length > 0 ? [['unknown', outcome.unknown.join(', ')] as SummaryRow] : []),
    ],
  };
}

export function retryAllSummary(outcome: RetryAllOutcome): { title: string; rows: SummaryRow[] } {
  const what = `${outcome.retried.length} dead message(s)${outcome.topic ? ` of topic ${outcome.topic}` : ''}`;
  const byTopic = new Map<string, number>();
  for (const message of outcome.retried) byTopic.set(message.topic, (byTopic.get(message.topic) ?? 0) + 1);
  return {
    title: outcome.dryRun ? `Dry run (nothing was written): would retry ${what}` : `Retried ${what}: pending again, due now`,
    rows: [
      ...[...byTopic].map(([topic, count]): SummaryRow => [topic, count]),
      ...(outcome.retried.length <= 20 ? [['ids', outcome.retried.map((m) => m.id).join(', ') || 'none'] as SummaryRow] : []),
    ],
  };
}

function time(value: Date | null): string {
  return value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

function age(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`;
}

function oneLine(text: string | null, max: number): string {
  if (!text) return '-';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
