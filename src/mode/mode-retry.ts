// When and how long to wait before trying a MODE call again. Only failures that cannot have
// changed anything in MODE, or that hit a call safe to repeat, are ever retried.
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

/** Transient failures only: a 500 or a response timeout may mean MODE is busy doing the work. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ModeTimeoutError) return err.phase === 'connect';
  if (err instanceof ModeUnavailableError) return err.kind === 'connection' || err.kind === 'status';
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

/** Runs `attempt` (numbered from 1) until it succeeds, fails for good, or the policy is spent. */
export async function withRetry<T>(
  policy: RetryPolicy,
  retryAllowed: boolean,
  attempt: (attemptNumber: number) => Promise<T>,
): Promise<T> {
  const startedAt = Date.now();
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (err) {
      const delay = backoffDelay(attemptNumber - 1, policy);
      const outOfTime = Date.now() - startedAt + delay >= policy.maxElapsedMs;
      if (!retryAllowed || attemptNumber >= policy.attempts || outOfTime || !isRetryable(err)) throw err;
      await sleep(delay);
    }
  }
}
