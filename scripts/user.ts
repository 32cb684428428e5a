import { AuditRepository } from '../src/modules/audit/audit.repository';
import { buildAdminServices } from '../src/modules/admin/admin.module';
import { toAdminUser } from '../src/modules/admin/admin-users.service';
import type { LifecycleAction } from '../src/modules/admin/user-lifecycle.service';
import { cliActor } from './lib/actor';
import { flag, runCli, UsageError, type CliSpec } from './lib/cli';
import { withScriptDatabase } from './lib/database';
import { EXIT } from './lib/exit-codes';
import { modeAccountRemoverFor } from './lib/mode-remover';
import { printSummary } from './lib/summary';

const ACTIONS = ['show', 'disable', 'enable', 'promote', 'demote', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

const spec: CliSpec = {
  name: 'user',
  summary: 'Shows or changes one user account: the same actions as the admin API, recorded in the audit log.',
  usage: '<show|disable|enable|promote|demote|delete> <email|id> [--dry-run] [--yes] [--json]',
  positionals: { min: 2, max: 2 },
  options: {
    'dry-run': { type: 'boolean', description: 'Show what would change; write nothing' },
    yes: { type: 'boolean', short: 'y', description: 'Confirm a delete (required for delete unless --dry-run)' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  details: `Actions:
  show     the account, its MODE link and its latest audit entries
  disable  the user can no longer sign in or refresh; every live refresh token is revoked
           (running servers refuse access tokens already issued within 10 seconds)
  enable   undo disable (a user who never set a password goes back to "invited")
  promote  give the admin role          demote   take it away
  delete   disable and revoke sessions, remove the user's MODE counterpart, then delete the account
           and everything it owns here. If MODE cannot be reached the user stays disabled: run the
           delete again. Needs --yes.
Actions are idempotent: enabling an active user changes nothing and says so.
With embedded PGlite and the server running, use the admin API instead (/v1/admin/users/...).`,
};

void runCli(spec, async (args) => {
  const [action, ref] = args.positionals as [string, string];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; one of ${ACTIONS.join(', ')}`);
  const dryRun = flag(args, 'dry-run');
  if (action === 'delete' && !dryRun && !flag(args, 'yes')) throw new UsageError('delete needs --yes (or --dry-run to see what would happen)');
  const json = flag(args, 'json');

  return withScriptDatabase('user', {}, async (env) => {
    const admin = buildAdminServices(env.db.prisma, new AuditRepository(env.db.prisma, env.db.sql), modeAccountRemoverFor(env));
    const user = await admin.lifecycle.find(ref);
    switch (action as Action) {
      case 'show': {
        const { entries } = await admin.auditLog.list({ targetId: user.id, limit: 5 });
        const view = toAdminUser(user);
        printSummary(`${view.email} (${view.id})`, [
          ['name', view.name || '(none)'],
          ['role', view.role],
          ['status', view.status + (view.disabledAt ? ` since ${view.disabledAt}` : '')],
          ['password', view.hasPassword ? 'set' : 'not set'],
          ['created', `${view.createdAt} (${view.source})`],
          ['MODE link', `${view.link.status}${view.link.modeUserId !== null ? `, MODE user ${view.link.modeUserId}` : ''}${view.link.lastError ? `, last error: ${view.link.lastError}` : ''}`],
          ...entries.map((entry): [string, string] => [`audit ${entry.at}`, `${entry.action} ${entry.result}`]),
        ], { user: view, audit: entries }, { json });
        return EXIT.ok;
      }
      case 'delete': {
        const outcome = await admin.lifecycle.delete(cliActor(), user.id, { dryRun });
        const mode = outcome.removedModeUserId === null ? 'none' : `MODE user ${outcome.removedModeUserId}`;
        printSummary(dryRun ? `Dry run: would delete ${user.email}` : `Deleted ${user.email}`, [
          ['user id', user.id],
          [dryRun ? 'would remove in MODE' : 'removed in MODE', mode],
          ...(dryRun ? [] : [['sessions revoked', outcome.revokedTokens] as [string, number]]),
        ], { ...outcome, user: toAdminUser(outcome.user) }, { json });
        return EXIT.ok;
      }
      default: {
        const outcome = await admin.lifecycle.change(cliActor(), user.id, action as LifecycleAction, { dryRun });
        const what = outcome.changed ? `${dryRun ? 'would ' : ''}${action}` : `nothing to ${action}`;
        printSummary(`${user.email}: ${what}`, [
          ['role', outcome.before.role === outcome.after.role ? outcome.after.role : `${outcome.before.role} -> ${outcome.after.role}`],
          ['status', outcome.before.status === outcome.after.status ? outcome.after.status : `${outcome.before.status} -> ${outcome.after.status}`],
          ...(action === 'disable' && !dryRun ? [['sessions revoked', outcome.revokedTokens] as [string, number]] : []),
        ], { ...outcome, before: toAdminUser(outcome.before), after: toAdminUser(outcome.after) }, { json });
        return EXIT.ok;
      }
    }
  });
});
