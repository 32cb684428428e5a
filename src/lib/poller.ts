import type { Logger } from './logger';

// Runs a background job again and again: right away while it reports more work, otherwise
// after `intervalMs`. Errors are logged and the loop goes on; stop() waits for the current run.

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
}): Poller {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const loop = async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await options.run();
      } catch (error) {
        options.logger.error({ err: error, job: options.name }, 'background job failed');
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
