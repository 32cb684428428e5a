import type { Logger } from './logger';

// Runs a background job again and again: right away while it reports more work, otherwise
// after `intervalMs`. Errors are logged and the loop goes on; stop() waits for the current run.
// A job that keeps failing (the database down, say) is not logged on every run: the first failure
// with its error, then a reminder with the count at most every `reminderMs`, then the recovery.

export interface Poller {
  stop(): Promise<void>;
  /** Runs the job now instead of waiting for the interval (used after new work arrives). */
  nudge(): void;
}

export function startPoller(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  /** Returns true when it did a full batch and more work is likely waiting. */
  run: () => Promise<boolean>;
  /** Least time between two log lines of one run of failures; default a minute. */
  reminderMs?: number;
}): Poller {
  const failures = failureLog(options.name, options.logger, options.reminderMs ?? 60_000);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const loop = async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await options.run();
        failures.succeeded();
      } catch (error) {
        failures.failed(error);
      }
      if (stopped) break;
      if (!more) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, options.intervalMs);
        });
      }
    }
  };
  current = loop();
  return {
    nudge: () => {
      if (timer) clearTimeout(timer);
      wake?.();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await current;
    },
  };
}

function failureLog(job: string, logger: Logger, reminderMs: number) {
  let count = 0;
  let loggedAt = 0;
  return {
    failed(error: unknown): void {
      count += 1;
      const now = Date.now();
      if (count === 1) logger.error({ err: error, job }, 'background job failed');
      else if (now - loggedAt >= reminderMs) logger.error({ job, failures: count, error: error instanceof Error ? error.message : String(error) }, 'background job still failing');
      else return;
      loggedAt = now;
    },
    succeeded(): void {
      if (count > 0) logger.info({ job, failures: count }, 'background job recovered');
      count = 0;
    },
  };
}
