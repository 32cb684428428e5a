import type { PrismaClient } from '../../db/database';
import type { LinkingService } from './linking.service';

// Bulk work on MODE links for the admin scripts: which users to link or re-key, and the
// per-user step with its own bounded retries. Selection is by state, so a re-run resumes.

export interface LinkAttemptOptions {
  /** Tries per user within one run (MODE failures only), with exponential backoff. */
  attempts: number;
  baseDelayMs: number;
  signal?: AbortSignal;
}

export async function pendingLinkUserIds(prisma: PrismaClient, limit?: number): Promise<string[]> {
  const rows = await prisma.modeLink.findMany({
    where: { status: 'pending', user: { status: { not: 'disabled' } } },
    orderBy: { user: { createdAt: 'asc' } },
    select: { userId: true },
    take: limit,
  });
  return rows.map((row) => row.userId);
}

/** Linked users whose key was issued before `issuedBefore` (all of them, or the listed ones). */
export async function reissueCandidates(prisma: PrismaClient, issuedBefore: Date, userIds?: string[]): Promise<string[]> {
  const rows = await prisma.modeLink.findMany({
    where: {
      status: 'linked',
      userId: userIds ? { in: userIds } : undefined,
      OR: [{ keyIssuedAt: null }, { keyIssuedAt: { lt: issuedBefore } }],
    },
    orderBy: { userId: 'asc' },
    select: { userId: true },
  });
  return rows.map((row) => row.userId);
}

export async function withAttempts<T>(work: () => Promise<T>, options: LinkAttemptOptions): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || options.signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
    }
  }
}

export function linkOne(linking: LinkingService, userId: string, options: LinkAttemptOptions): Promise<number> {
  return withAttempts(async () => (await linking.ensureLinked(userId)).modeUserId, options);
}

export function reissueOne(linking: LinkingService, userId: string, options: LinkAttemptOptions): Promise<number> {
  return withAttempts(async () => (await linking.reissueKey(userId)).modeUserId, options);
}
