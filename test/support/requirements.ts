import { existsSync } from 'node:fs';

// Some tests need a service the machine may lack: PostgreSQL, Redis, Chromium. Missing on a
// developer's machine, they are skipped with a warning that says what to provide; under
// CI=true they fail instead, so a CI run that lost a service cannot pass silently.

export const postgresUrl = process.env.TEST_POSTGRES_URL || process.env.TEST_DATABASE_URL || undefined;
export const redisUrl = process.env.TEST_REDIS_URL || undefined;
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const needs = {
  postgres: postgresUrl ? undefined : 'PostgreSQL: set TEST_POSTGRES_URL (or TEST_DATABASE_URL)',
  redis: redisUrl ? undefined : 'Redis: set TEST_REDIS_URL',
  chromium: existsSync(chromiumPath) ? undefined : `Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
};

/** `describe` when nothing in `missing` is missing; otherwise skipped (developer) or failed (CI). */
export function describeNeeding(missing: Array<string | undefined>, name: string, body: () => void): void {
  const absent = missing.filter((item): item is string => item !== undefined);
  if (absent.length === 0) return describe(name, body);
  const message = `${name}: needs ${absent.join('; ')}`;
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('has what it needs', () => {
        throw new Error(message);
      });
    });
  }
  process.emitWarning(`skipped. ${message}`);
  describe.skip(name, body);
}
