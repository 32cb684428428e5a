import type { PrismaClient } from '../../src/db/database';
import { linkOne, pendingLinkUserIds, reissueCandidates, reissueOne, type LinkAttemptOptions } from '../../src/modules/linking/bulk-linking';
import type { LinkingService } from '../../src/modules/linking/linking.service';
import { runBatch } from './batch';
import { silentProgress, type Progress } from './progress';

// The work behind `link-users` and `reissue-mode-keys`, apart from the command line so tests
// drive it against the emulator. Both pace themselves toward MODE and resume by state.

export interface LinkJobOptions {
  prisma: PrismaClient;
  linking: LinkingService;
  concurrency: number;
  ratePerSecond: number;
  attempts: number;
  retryDelayMs?: number;
  dryRun?: boolean;
  progress?: Progress;
  signal?: AbortSignal;
}

export interface LinkJobSummary {
  candidates: number;
  done: number;
  failed: number;
  failures: { userId: string; error: string }[];
  interrupted: boolean;
  dryRun: boolean;
}

type Step = (linking: LinkingService, userId: string, attempt: LinkAttemptOptions) => Promise<number>;

async function run(userIds: string[], step: Step, options: LinkJobOptions): Promise<LinkJobSummary> {
  const attempt = { attempts: options.attempts, baseDelayMs: options.retryDelayMs ?? 500, signal: options.signal };
  const progress = options.progress ?? silentProgress;
  progress.setTotal(userIds.length);
  if (options.dryRun) {
    return { candidates: userIds.length, done: 0, failed: 0, failures: [], interrupted: false, dryRun: true };
  }
  const result = await runBatch({
    items: userIds,
    concurrency: options.concurrency,
    ratePerSecond: options.ratePerSecond,
    progress,
    signal: options.signal,
    work: (userId) => step(options.linking, userId, attempt),
    onError: (userId, error) => progress.log(`user ${userId}: ${error instanceof Error ? error.message : String(error)}`),
  });
  return {
    candidates: userIds.length,
    done: result.succeeded,
    failed: result.failed,
    failures: result.errors.map(({ item, error }) => ({ userId: item, error: error instanceof Error ? error.message : String(error) })),
    interrupted: result.stopped,
    dryRun: false,
  };
}

export async function linkPendingUsers(options: LinkJobOptions & { limit?: number }): Promise<LinkJobSummary> {
  return run(await pendingLinkUserIds(options.prisma, options.limit), linkOne, options);
}

export async function reissueModeKeys(options: LinkJobOptions & { issuedBefore: Date; userIds?: string[] }): Promise<LinkJobSummary> {
  return run(await reissueCandidates(options.prisma, options.issuedBefore, options.userIds), reissueOne, options);
}
