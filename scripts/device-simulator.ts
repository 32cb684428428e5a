/** Command line for the pretend device in `lib/device-simulator.ts`; logs one JSON line per event. */
import { parseArgs } from 'node:util';
import { startDeviceSimulator, type SimulatorSettings } from './lib/device-simulator';

const usage = `Usage: device-simulator --url URL --device-id ID --api-key KEY [options]

  --url URL          MODE API base URL, e.g. http://127.0.0.1:4600
  --device-id ID     the device's MODE ID
  --api-key KEY      the device's API key
  --interval SEC     also send a "status" event every SEC seconds
  --claimable SEC    first make the device claimable for SEC seconds (POST /deviceRegistration)
  --help             show this text`;

function readSettings(): SimulatorSettings {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'device-id': { type: 'string' },
      'api-key': { type: 'string' },
      interval: { type: 'string' },
      claimable: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const seconds = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));
  const settings = {
    url: (values.url ?? '').replace(/\/+$/, ''),
    deviceId: Number(values['device-id']),
    apiKey: values['api-key'] ?? '',
    intervalSeconds: seconds(values.interval),
    claimableSeconds: seconds(values.claimable),
  };
  const badSeconds = [settings.intervalSeconds, settings.claimableSeconds].some((s) => s !== undefined && !(s > 0));
  if (!settings.url || !Number.isInteger(settings.deviceId) || !settings.apiKey || badSeconds) {
    console.error(usage);
    process.exit(2);
  }
  return settings;
}

const log = (message: string, details: object = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), message, ...details }));

async function main(): Promise<void> {
  const simulator = await startDeviceSimulator(readSettings(), log);
  process.once('SIGINT', () => simulator.stop());
  process.once('SIGTERM', () => simulator.stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
