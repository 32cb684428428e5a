/**
 * `npm run emulator`: runs the MODE emulator as a process. Settings come from EMULATOR_* variables;
 * the project ID and keys it uses are printed so the bridge and the device simulator can be pointed at it.
 */
import pino from 'pino';
import { createEmulator } from './emulator';
import type { EmulatorOptions } from './types';

const usage = `MODE emulator. Environment variables:
  EMULATOR_PORT          port to listen on (default 4600; 0 picks a free one)
  EMULATOR_HOST          address to listen on (default 127.0.0.1)
  EMULATOR_PROJECT_ID    the BYOU project's ID (default 1000)
  EMULATOR_PROJECT_KEY   project API key with "Can Handle BYOU" (default: a random one, printed)
  EMULATOR_WEBHOOK_URL   Event Webhook URL of the Webhooks Smart Module (optional)
  EMULATOR_WEBHOOK_KEY   its signing key (required with EMULATOR_WEBHOOK_URL)
  EMULATOR_STATE_FILE    keep users, homes, devices and keys in this file across restarts (default: in memory)
  LOG_LEVEL              pino log level (default info)`;

function readOptions(env: NodeJS.ProcessEnv): EmulatorOptions {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  const port = integer('EMULATOR_PORT', 4600, 0, 65535);
  const projectId = integer('EMULATOR_PROJECT_ID', 1000, 1, Number.MAX_SAFE_INTEGER);
  const webhookUrl = env.EMULATOR_WEBHOOK_URL;
  const webhookKey = env.EMULATOR_WEBHOOK_KEY;
  if (Boolean(webhookUrl) !== Boolean(webhookKey)) problems.push('EMULATOR_WEBHOOK_URL and EMULATOR_WEBHOOK_KEY go together');
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n\n${usage}`);
    process.exit(2);
  }
  return {
    port,
    projectId,
    host: env.EMULATOR_HOST || '127.0.0.1',
    projectKey: env.EMULATOR_PROJECT_KEY || undefined,
    stateFile: env.EMULATOR_STATE_FILE || undefined,
    webhooks: webhookUrl && webhookKey ? [{ url: webhookUrl, key: webhookKey }] : [],
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) return void console.log(usage);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', name: 'mode-emulator' });
  const options = readOptions(process.env);
  const emulator = await createEmulator({ ...options, logger });
  const webhooks = (options.webhooks ?? []).map((hook) => `  event webhook:       ${hook.url}`);
  console.log(
    [
      `MODE emulator at ${emulator.url}`,
      `  project ID:          ${emulator.projectId}`,
      `  project key (BYOU):  ${emulator.projectKey}`,
      `  control API:         ${emulator.url}/_emulator/state`,
      ...webhooks,
      `For the bridge: MODE_API_URL=${emulator.url} MODE_PROJECT_ID=${emulator.projectId} MODE_PROJECT_KEY=${emulator.projectKey}`,
    ].join('\n'),
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
