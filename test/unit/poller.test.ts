import { startPoller } from '../../src/lib/poller';
import { createLogger } from '../../src/lib/logger';

// A background job that keeps failing is logged once, reminded of, and its recovery told.

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

async function runUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
}

test('when a job fails many times in a row, then the first failure is logged with its error and the recovery once', async () => {
  const { logger, lines } = capturedLogger();
  let runs = 0;
  const poller = startPoller({
    name: 'flaky',
    intervalMs: 1,
    logger,
    reminderMs: 60_000,
    run: async () => {
      runs += 1;
      if (runs <= 20) throw new Error('database down');
      return false;
    },
  });
  await runUntil(() => runs > 21);
  await poller.stop();
  expect(lines.map((line) => line.msg)).toEqual(['background job failed', 'background job recovered']);
  expect(lines[0]).toMatchObject({ job: 'flaky', level: 50, err: expect.objectContaining({ message: 'database down' }) });
  expect(lines[1]).toMatchObject({ job: 'flaky', failures: 20 });
});

test('when failures go on past the reminder interval, then each reminder says how many there were', async () => {
  const { logger, lines } = capturedLogger();
  let runs = 0;
  const poller = startPoller({
    name: 'down',
    intervalMs: 1,
    logger,
    reminderMs: 0,
    run: async () => {
      runs += 1;
      throw new Error('still down');
    },
  });
  await runUntil(() => runs >= 3);
  await poller.stop();
  expect(lines[0]?.msg).toBe('background job failed');
  expect(lines[1]).toMatchObject({ msg: 'background job still failing', job: 'down', failures: 2, error: 'still down' });
  expect(lines[1]).not.toHaveProperty('err');
});

test('when a job succeeds, then nothing is logged', async () => {
  const { logger, lines } = capturedLogger();
  let runs = 0;
  const poller = startPoller({ name: 'quiet', intervalMs: 1, logger, run: async () => (runs += 1) < 0 });
  await runUntil(() => runs >= 5);
  await poller.stop();
  expect(lines).toEqual([]);
});
