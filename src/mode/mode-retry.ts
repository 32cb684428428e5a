// When and how long to wait before trying a MODE call again. A call safe to repeat is retried after
// transient failures; any other call only when the request cannot have reached MODE at all.
import { ModeBadGatewayError, ModeTimeoutError, ModeUnavailableError } from './mode.errors';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first one started. */
  maxElapsedMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxElapsedMs: 15_000,
};

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/** The connection to MODE was never established, so MODE cannot have seen the request. */
export function neverSent(err: unknown): boolean {
  if (err instanceof ModeTimeoutError) return err.phase === 'connect';
  return err instanceof ModeUnavailableError && err.kind === 'connection';
}

/**
 * Transient failures only: a 500 or a response timeout may mean MODE is busy doing the work. A call
 * that is not `repeatable` is retried only when it was never sent: after a 502/504 or a connection
 * lost mid-call, MODE may already have carried it out.
 */
export function isRetryable(err: unknown, repeatable = true): boolean {
  if (neverSent(err)) return true;
  if (!repeatable) return false;
  if (err instanceof ModeUnavailableError) return err.kind === 'dropped' || err.kind === 'status';
  if (err instanceof ModeBadGatewayError) return err.status !== undefined && RETRYABLE_STATUSES.has(err.status);
  return false;
}

/**
 * "Full jitter" backoff: a uniform delay in [0, min(maxDelay, base * 2^retryIndex)), so that
 * many bridge instances retrying after the same MODE hiccup spread out instead of stampeding.
 */
export function backoffDelay(retryIndex: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How a call may be retried: `repeatable` after any transient failure, `unsent` only when never sent. */
export type RetryMode = 'repeatable' | 'unsent' | 'never';

/** Runs `attempt` (numbered from 1) until it succeeds, fails for good, or the policy is spent. */
export async function withRetry<T>(
  policy: RetryPolicy,
  mode: RetryMode,
  attempt: (attemptNumber: number) => Promise<T>,
): Promise<T> {
  const startedAt = Date.now();
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (err) {
      const delay = backoffDelay(attemptNumber - 1, policy);
      const outOfTime = Date.now() - startedAt + delay >= policy.maxElapsedMs;
      const retryable = mode !== 'never' && isRetryable(err, mode === 'repeatable');
      if (!retryable || attemptNumber >= policy.attempts || outOfTime) throw err;
      await sleep(delay);
    }
  }
}
