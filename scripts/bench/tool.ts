// What the bench's stand-alone tools (profile-route, compare-builds) share: a throwaway PostgreSQL
// with the services started around it stopped afterwards, one-line failures, a median.
import { startPostgres, type PostgresCluster } from './postgres';
import type { Service } from './processes';

/** Runs `body` with a throwaway PostgreSQL; the services it pushes onto `running` are stopped afterwards, last first. */
export async function withPostgres(body: (postgres: PostgresCluster, running: Service[]) => Promise<void>): Promise<void> {
  const running: Service[] = [];
  const postgres = await startPostgres();
  try {
    await body(postgres, running);
  } finally {
    for (const service of running.reverse()) await service.stop().catch(() => undefined);
    postgres.stop();
  }
}

/** Runs a tool's main function; a failure is printed as its message and exits with 1. */
export function runTool(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
