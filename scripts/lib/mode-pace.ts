import { intOption, type CliArgs, type CliSpec } from './cli';

// How fast a script that calls MODE once or twice per user goes: --rate caps the users started
// per second (what MODE sees), --concurrency the users in flight, --attempts the tries per user.
// Left out, --concurrency follows --rate: with too few users in flight a run is held to
// concurrency / (time per user) whatever its rate says (8 in flight at 20 ms per MODE call gave
// 88 links/s at --rate 100), and the rate, not the concurrency, is what keeps MODE's load bounded.

/** The time one user may take (its MODE calls and our own work) before the default concurrency no longer keeps up with the rate. */
const SECONDS_PER_USER = 0.25;
const MAX_CONCURRENCY = 32;
const MIN_CONCURRENCY = 4;

export interface ModePace {
  concurrency: number;
  ratePerSecond: number;
  attempts: number;
}

/** Users in flight that sustain `ratePerSecond` while each takes up to SECONDS_PER_USER. */
export function concurrencyForRate(ratePerSecond: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(MIN_CONCURRENCY, Math.ceil(ratePerSecond * SECONDS_PER_USER)));
}

/** The three flags' entries for a CliSpec; `what` names the unit (e.g. "user links"). */
export function modePaceOptions(what: string): CliSpec['options'] {
  return {
    concurrency: {
      type: 'string',
      value: '<n>',
      description: `${what} at once (1-${MAX_CONCURRENCY}; default enough to keep up with --rate: rate / 4, at least ${MIN_CONCURRENCY})`,
    },
    rate: { type: 'string', value: '<n>', description: `Most ${what.toLowerCase()} started per second, to respect MODE (1-200, default 10)` },
    attempts: { type: 'string', value: '<n>', description: 'Tries per user in this run when MODE fails (1-10, default 3)' },
  };
}

export function modePace(args: CliArgs): ModePace {
  const ratePerSecond = intOption(args, 'rate', 10, { min: 1, max: 200 });
  return {
    ratePerSecond,
    concurrency: intOption(args, 'concurrency', concurrencyForRate(ratePerSecond), { min: 1, max: MAX_CONCURRENCY }),
    attempts: intOption(args, 'attempts', 3, { min: 1, max: 10 }),
  };
}
