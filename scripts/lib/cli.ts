import { parseArgs } from 'node:util';
import { EmbeddedDatabaseLockedError } from '../../src/db/embedded-lock';
import { ConfigError } from '../../src/lib/config';
import { loadEnvFile } from '../../src/lib/env-file';
import { AppError } from '../../src/lib/errors';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';

// The frame of every admin script: flags parsed strictly with node:util parseArgs, --help,
// Ctrl-C that finishes in-flight work before stopping, and one exit code per outcome.

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Placeholder shown in --help for a string option, e.g. "<n>". */
  value?: string;
}

export interface CliSpec {
  /** The npm script name: `npm run <name> -- ...`. */
  name: string;
  summary: string;
  /** What follows `npm run <name> --`, e.g. "<file> [options]". */
  usage: string;
  options: Record<string, OptionSpec>;
  positionals?: { min: number; max: number };
  /** Free text after the options: formats, procedures, examples. */
  details?: string;
}

export interface CliArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CliContext {
  /** Aborted on the first Ctrl-C / SIGTERM: stop taking new work, finish what is in flight. */
  signal: AbortSignal;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export class UsageError extends Error {}

export function helpText(spec: CliSpec): string {
  const rows = Object.entries({ ...spec.options, help: { type: 'boolean', short: 'h', description: 'Show this help' } as OptionSpec }).map(
    ([name, option]) => {
      const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''}`;
      return [flag, option.description] as const;
    },
  );
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const options = rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`).join('\n');
  return [
    `Usage: npm run ${spec.name} -- ${spec.usage}`,
    '',
    spec.summary,
    '',
    'Options:',
    options,
    ...(spec.details ? ['', spec.details.trim()] : []),
    '',
    'Configuration comes from the same environment variables as the server (DATABASE_URL, DATA_DIR,',
    'TOKEN_ENCRYPTION_KEY, ...; see .env.example), then from ./.env for those not set.',
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** Parses argv; returns undefined when --help was asked for. Throws UsageError. */
export function parseCli(spec: CliSpec, argv: string[]): CliArgs | undefined {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return undefined;
  const positionals = parsed.positionals;
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  if (positionals.length < min) throw new UsageError(`missing argument: ${spec.usage}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}"`);
  return { values: parsed.values as CliArgs['values'], positionals };
}

export function intOption(args: CliArgs, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}`);
  }
  return value;
}

export function flag(args: CliArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Runs a script: parses flags, calls main, maps errors to messages and exit codes. */
export async function runCli(spec: CliSpec, main: (args: CliArgs, context: CliContext) => Promise<number>, argv = process.argv.slice(2)): Promise<void> {
  const { stdout, stderr } = process;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      stderr.write(`\n${spec.name}: stopped at once; run it again to resume.\n`);
      process.exit(EXIT.interrupted);
    }
    stderr.write(`\n${spec.name}: ${signal} received, finishing work in flight (press Ctrl-C again to stop at once)...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const args = parseCli(spec, argv);
    if (!args) {
      stdout.write(helpText(spec));
      process.exitCode = EXIT.ok;
      return;
    }
    // The same configuration as the server: environment first, then ./.env.
    loadEnvFile();
    const code = await main(args, { signal: controller.signal, stdout, stderr });
    process.exitCode = controller.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
  } catch (error) {
    process.exitCode = reportError(spec, error, stderr);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function reportError(spec: CliSpec, error: unknown, stderr: NodeJS.WriteStream): number {
  if (error instanceof UsageError) {
    stderr.write(`${spec.name}: ${error.message}\nRun "npm run ${spec.name} -- --help" for usage.\n`);
    return EXIT.usage;
  }
  if (error instanceof EmbeddedDatabaseLockedError) {
    stderr.write(`${spec.name}: ${error.message}\n`);
    return EXIT.locked;
  }
  if (error instanceof ConfigError || error instanceof AppError) {
    stderr.write(`${spec.name}: ${error.message}\n`);
    return EXIT.failed;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`${spec.name} failed: ${text}\n`);
  return EXIT.failed;
}
