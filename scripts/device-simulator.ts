/**
 * A pretend device for a MODE project (the emulator or the real cloud): it listens for commands on
 * its WebSocket, answers `set-state` with a `state-changed` event, and can report on a timer.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const usage = `Usage: device-simulator --url URL --device-id ID --api-key KEY [options]

  --url URL          MODE API base URL, e.g. http://127.0.0.1:4600
  --device-id ID     the device's MODE ID
  --api-key KEY      the device's API key
  --interval SEC     also send a "status" event every SEC seconds
  --claimable SEC    first make the device claimable for SEC seconds (POST /deviceRegistration)
  --help             show this text`;

interface Settings {
  url: string;
  deviceId: number;
  apiKey: string;
  intervalSeconds?: number;
  claimableSeconds?: number;
}

function readSettings(): Settings {
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

async function modeCall(settings: Settings, method: string, path: string, body: string, contentType: string) {
  const response = await fetch(`${settings.url}${path}`, {
    method,
    headers: { authorization: `ModeCloud ${settings.apiKey}`, 'content-type': contentType },
    body,
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
}

function sendEvent(settings: Settings, eventType: string, eventData: unknown): Promise<void> {
  const body = JSON.stringify({ eventType, eventData });
  return modeCall(settings, 'PUT', `/devices/${settings.deviceId}/event`, body, 'application/json')
    .then(() => log('event sent', { eventType, eventData }))
    .catch((error: Error) => log('event failed', { eventType, error: error.message }));
}

/** Commands the simulator understands; anything else is only logged. */
function handleCommand(settings: Settings, state: Record<string, unknown>, raw: string): void {
  let command: { action?: unknown; parameters?: unknown };
  try {
    command = JSON.parse(raw) as typeof command;
  } catch {
    return log('unreadable command', { raw });
  }
  log('command received', command);
  if (command.action === 'set-state' && typeof command.parameters === 'object' && command.parameters !== null) {
    Object.assign(state, command.parameters);
    void sendEvent(settings, 'state-changed', { ...state });
  }
}

interface Connection {
  socket?: WebSocket;
  retry?: NodeJS.Timeout;
  stopping: boolean;
}

function listen(settings: Settings, state: Record<string, unknown>, connection: Connection, delayMs = 1000): void {
  const wsUrl = `${settings.url.replace(/^http/, 'ws')}/devices/${settings.deviceId}/command`;
  const ws = new WebSocket(wsUrl, { headers: { authorization: `ModeCloud ${settings.apiKey}` } });
  connection.socket = ws;
  let opened = false;
  ws.on('open', () => {
    opened = true;
    log('connected', { deviceId: settings.deviceId });
  });
  ws.on('message', (data) => handleCommand(settings, state, String(data)));
  ws.on('error', (error) => log('connection error', { error: error.message }));
  ws.on('close', () => {
    if (connection.stopping) return;
    // Back off while the cloud keeps refusing us; reconnect quickly after a working connection drops.
    const next = opened ? 1000 : Math.min(delayMs * 2, 30_000);
    log('disconnected, reconnecting', { inMs: next });
    connection.retry = setTimeout(() => listen(settings, state, connection, next), next);
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  const state: Record<string, unknown> = {};
  const connection: Connection = { stopping: false };
  if (settings.claimableSeconds) {
    const form = new URLSearchParams({ deviceId: String(settings.deviceId), claimable: 'true', duration: String(settings.claimableSeconds) });
    await modeCall(settings, 'POST', '/deviceRegistration', form.toString(), 'application/x-www-form-urlencoded');
    log('claimable', { seconds: settings.claimableSeconds });
  }
  const timer = settings.intervalSeconds
    ? setInterval(() => void sendEvent(settings, 'status', { uptimeSeconds: Math.round(process.uptime()), ...state }), settings.intervalSeconds * 1000)
    : undefined;
  const stop = () => {
    connection.stopping = true;
    clearInterval(timer);
    clearTimeout(connection.retry);
    connection.socket?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  listen(settings, state, connection);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
