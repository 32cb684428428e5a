import { OutboxMessagesService } from '../src/modules/admin/outbox-messages.service';
import { AuditRepository } from '../src/modules/audit/audit.repository';
import { OutboxAdminRepository } from '../src/modules/outbox/outbox-admin.repository';
import type { OutboxStatus } from '../src/modules/outbox/outbox.repository';
import { cliActor } from './lib/actor';
import { flag, intOption, runCli, UsageError, type CliArgs, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { countsText, listText, retryAllSummary, retrySummary, showRows } from './lib/outbox-views';
import { printSummary } from './lib/summary';

const ACTIONS = ['counts', 'list', 'show', 'retry'] as const;
type Action = (typeof ACTIONS)[number];
const STATUSES: readonly OutboxStatus[] = ['pending', 'sent', 'dead'];
/** Options each action accepts besides --json. */
const ACCEPTS: Record<Action, string[]> = { counts: [], list: ['status', 'topic', 'limit'], show: ['payload'], retry: ['all-dead', 'topic', 'dry-run', 'yes'] };

const spec: CliSpec = {
  name: 'outbox',
  summary: 'Shows the outbox (outbound e-mails, webhooks and event fan-out) and retries dead-lettered messages.',
  usage: '<counts|list|show|retry> [id...] [options]',
  positionals: { min: 1, max: 1001 },
  options: {
    status: { type: 'string', value: '<pending|sent|dead>', description: 'list: only messages in this state' },
    topic: { type: 'string', value: '<topic>', description: 'list, retry --all-dead: only messages of this topic (e.g. notify.email)' },
    limit: { type: 'string', value: '<n>', description: 'list: at most this many messages (1-1000, default 50)' },
    payload: { type: 'boolean', description: 'show: print the payload too (it can hold e-mail addresses and message bodies)' },
    'all-dead': { type: 'boolean', description: 'retry: every dead message (of --topic, if given) instead of listed IDs' },
    'dry-run': { type: 'boolean', description: 'retry: show what would be retried; write nothing' },
    yes: { type: 'boolean', short: 'y', description: 'Confirm retry --all-dead (required unless --dry-run)' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  details: `Actions:
  counts            messages by topic and state (pending, sent, dead) and the age of the oldest pending one
  list              messages, newest first: ID, state, topic, idempotency key, attempts, times, last error
  show <id>         one message in full; the payload only with --payload
  retry <id...>     puts these dead messages back in the queue: pending, attempts reset, due now.
                    Messages in another state are left untouched and listed as such.
  retry --all-dead  the same for every dead message (of --topic, if given); needs --yes
A retried message is delivered again by the dispatcher of a running instance (BACKGROUND_JOBS=true)
with the same idempotency key, so a receiver that got it before drops the repeat. Each retry is
recorded in the audit log (action admin.outbox.retry). IDs that do not exist are reported (exit 3).
Payloads are never listed: they can hold e-mail addresses and notification bodies.
With embedded PGlite and the server running, stop the server first (one process per data directory).`,
};

void runCli(spec, async (args, { signal, stderr }) => {
  const [action, ...ids] = args.positionals as [string, ...string[]];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; one of ${ACTIONS.join(', ')}`);
  checkOptions(action as Action, args);
  const json = flag(args, 'json');
  const request = parseRequest(action as Action, ids, args);

  return withScriptDatabase('outbox', {}, async ({ db }) => {
    const outbox = new OutboxMessagesService(new OutboxAdminRepository(db.sql), new AuditRepository(db.prisma, db.sql));
    switch (request.action) {
      case 'counts': {
        const counts = await outbox.counts();
        print(countsText(counts), counts, json);
        return EXIT.ok;
      }
      case 'list': {
        const messages = await outbox.list(request.filter);
        print(listText(messages, request.filter), { messages }, json);
        return EXIT.ok;
      }
      case 'show': {
        const { message, retries } = await outbox.show(request.id, { payload: request.payload });
        printSummary(`Outbox message ${message.id} (${message.status})`, showRows(message, retries, request.payload), { message, retries }, { json });
        if (request.payload && !json) process.stdout.write(`${JSON.stringify(message.payload, null, 2)}\n`);
        return EXIT.ok;
      }
      case 'retry': {
        if (request.allDead) {
          const outcome = await outbox.retryAllDead(cliActor(), { topic: request.topic, dryRun: request.dryRun, signal });
          if (outcome.interrupted) stderr.write('Interrupted: run the same command again to retry the rest.\n');
          const { title, rows } = retryAllSummary(outcome);
          printSummary(title, rows, outcome, { json });
          return outcome.interrupted ? EXIT.interrupted : EXIT.ok;
        }
        const outcome = await outbox.retry(cliActor(), request.ids, { dryRun: request.dryRun });
        for (const id of outcome.unknown) stderr.write(`no outbox message ${id}\n`);
        const { title, rows } = retrySummary(outcome, request.ids.length);
        printSummary(title, rows, outcome, { json });
        return outcome.unknown.length > 0 ? EXIT.incomplete : EXIT.ok;
      }
    }
  });
});

type Request =
  | { action: 'counts' }
  | { action: 'list'; filter: { status?: OutboxStatus; topic?: string; limit: number } }
  | { action: 'show'; id: string; payload: boolean }
  | { action: 'retry'; allDead: true; topic?: string; dryRun: boolean }
  | { action: 'retry'; allDead: false; ids: string[]; dryRun: boolean };

function parseRequest(action: Action, ids: string[], args: CliArgs): Request {
  const topic = stringOption(args, 'topic');
  if (action !== 'show' && action !== 'retry' && ids.length > 0) throw new UsageError(`${action} takes no arguments`);
  switch (action) {
    case 'counts':
      return { action };
    case 'list': {
      const status = stringOption(args, 'status');
      if (status !== undefined && !(STATUSES as string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      return { action, filter: { status: status as OutboxStatus | undefined, topic, limit: intOption(args, 'limit', 50, { min: 1, max: 1000 }) } };
    }
    case 'show':
      if (ids.length !== 1) throw new UsageError('show takes exactly one message ID');
      return { action, id: messageId(ids[0]!), payload: flag(args, 'payload') };
    case 'retry': {
      const dryRun = flag(args, 'dry-run');
      if (flag(args, 'all-dead')) {
        if (ids.length > 0) throw new UsageError('give message IDs or --all-dead, not both');
        if (!dryRun && !flag(args, 'yes')) throw new UsageError('retry --all-dead needs --yes (or --dry-run to see what would be retried)');
        return { action, allDead: true, topic, dryRun };
      }
      if (ids.length === 0) throw new UsageError('retry needs message IDs, or --all-dead');
      if (topic !== undefined) throw new UsageError('--topic goes with --all-dead; listed IDs are retried whatever their topic');
      return { action, allDead: false, ids: ids.map(messageId), dryRun };
    }
  }
}

function checkOptions(action: Action, args: CliArgs): void {
  for (const [name, value] of Object.entries(args.values)) {
    if (value === undefined || name === 'json' || ACCEPTS[action].includes(name)) continue;
    throw new UsageError(`--${name} does not apply to ${action}`);
  }
}

function stringOption(args: CliArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === '') throw new UsageError(`--${name} needs a value`);
  return typeof value === 'string' ? value : undefined;
}

function messageId(raw: string): string {
  if (!/^\d{1,19}$/.test(raw) || BigInt(raw) > 9_223_372_036_854_775_807n || BigInt(raw) === 0n) throw new UsageError(`"${raw}" is not an outbox message ID (a positive whole number)`);
  return BigInt(raw).toString();
}

function print(text: string, data: object, json: boolean): void {
  if (json) printSummary('', [], data, { json });
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
