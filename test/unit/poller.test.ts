import { startPoller } from '../../src/lib/poller';
import { createLogger } from '../../src/lib/logger';

// A background job that keeps failing is logged once, reminded of, and its recovery told.

/**
 * Runs a job that throws `message` on its first `failures` runs and succeeds after, until it has
 * run `runs` times; returns the log lines.
 */
async function runJob(job: { name: string; failures: number; runs: number; message?: string; reminderMs?: number }) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let runs = 0;
  const poller = startPoller({
    name: job.name,
    intervalMs: 1,
    logger,
    ...(job.reminderMs === undefined ? {} : { reminderMs: job.reminderMs }),
    run: async () => {
      runs += 1;
      if (runs <= job.failures) throw new Error(job.message ?? 'failed');
      return false;
    },
  });
  while (runs < job.runs) await new Promise((resolve) => setTimeout(resolve, 2));
  await poller.stop();
  return lines;
}

test('when a job fails many times in a row, then the first failure is logged with its error and the recovery once', async () => {
  const lines = await runJob({ name: 'flaky', failures: 20, runs: 22, message: 'database down', reminderMs: 60_000 });
  expect(lines.map((line) => line.msg)).toEqual(['background job failed', 'background job recovered']);
  expect(lines[0]).toMatchObject({ job: 'flaky', level: 50, err: expect.objectContaining({ message: 'database down' }) });
  expect(lines[1]).toMatchObject({ job: 'flaky', failures: 20 });
});

test('when failures go on past the reminder interval, then each reminder says how many there were', async () => {
  const lines = await runJob({ name: 'down', failures: Infinity, runs: 3, message: 'still down', reminderMs: 0 });
  expect(lines[0]?.msg).toBe('background job failed');
  expect(lines[1]).toMatchObject({ msg: 'background job still failing', job: 'down', failures: 2, error: 'still down' });
  expect(lines[1]).not.toHaveProperty('err');
});

test('when a job succeeds, then nothing is logged', async () => {
  expect(await runJob({ name: 'quiet', failures: 0, runs: 5 })).toEqual([]);
});
