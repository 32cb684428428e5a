/**
 * A pretend device for a MODE project (the emulator or the real cloud): it listens for commands on
 * its WebSocket, answers `set-state` with a `state-changed` event, and can report on a timer.
 */
import WebSocket from 'ws';

export interface SimulatorSettings {
  url: string;
  deviceId: number;
  apiKey: string;
  intervalSeconds?: number;
  claimableSeconds?: number;
}

/** Receives one line per thing the device does: `message` is stable, `details` describe it. */
export type SimulatorLog = (message: string, details?: object) => void;

export interface RunningSimulator {
  stop(): void;
}

interface Connection {
  socket?: WebSocket;
  retry?: NodeJS.Timeout;
  stopping: boolean;
}

/** Resolves once the device is listening for commands (after making itself claimable, if asked). */
export async function startDeviceSimulator(settings: SimulatorSettings, log: SimulatorLog): Promise<RunningSimulator> {
  const device = new SimulatedDevice(settings, log);
  if (settings.claimableSeconds) await device.makeClaimable(settings.claimableSeconds);
  const timer = settings.intervalSeconds
    ? setInterval(() => void device.reportStatus(), settings.intervalSeconds * 1000)
    : undefined;
  device.listen();
  return {
    stop: () => {
      clearInterval(timer);
      device.stop();
    },
  };
}

class SimulatedDevice {
  private readonly state: Record<string, unknown> = {};
  private readonly connection: Connection = { stopping: false };
  private readonly startedAt = Date.now();

  constructor(
    private readonly settings: SimulatorSettings,
    private readonly log: SimulatorLog,
  ) {}

  async makeClaimable(seconds: number): Promise<void> {
    const form = new URLSearchParams({ deviceId: String(this.settings.deviceId), claimable: 'true', duration: String(seconds) });
    await this.call('POST', '/deviceRegistration', form.toString(), 'application/x-www-form-urlencoded');
    this.log('claimable', { seconds });
  }

  reportStatus(): Promise<void> {
    const uptimeSeconds = Math.round((Date.now() - this.startedAt) / 1000);
    return this.sendEvent('status', { uptimeSeconds, ...this.state });
  }

  listen(delayMs = 1000): void {
    const { url, deviceId, apiKey } = this.settings;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/devices/${deviceId}/command`, {
      headers: { authorization: `ModeCloud ${apiKey}` },
    });
    this.connection.socket = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.log('connected', { deviceId });
    });
    ws.on('message', (data) => this.handleCommand(String(data)));
    ws.on('error', (error) => this.log('connection error', { error: error.message }));
    ws.on('close', () => {
      if (this.connection.stopping) return;
      // Back off while the cloud keeps refusing us; reconnect quickly after a working connection drops.
      const next = opened ? 1000 : Math.min(delayMs * 2, 30_000);
      this.log('disconnected, reconnecting', { inMs: next });
      this.connection.retry = setTimeout(() => this.listen(next), next);
    });
  }

  stop(): void {
    this.connection.stopping = true;
    clearTimeout(this.connection.retry);
    this.connection.socket?.close();
  }

  /** Commands the simulator understands; anything else is only logged. */
  private handleCommand(raw: string): void {
    let command: { action?: unknown; parameters?: unknown };
    try {
      command = JSON.parse(raw) as typeof command;
    } catch {
      return this.log('unreadable command', { raw });
    }
    this.log('command received', command);
    if (command.action === 'set-state' && typeof command.parameters === 'object' && command.parameters !== null) {
      Object.assign(this.state, command.parameters);
      void this.sendEvent('state-changed', { ...this.state });
    }
  }

  private sendEvent(eventType: string, eventData: unknown): Promise<void> {
    const body = JSON.stringify({ eventType, eventData });
    return this.call('PUT', `/devices/${this.settings.deviceId}/event`, body, 'application/json')
      .then(() => this.log('event sent', { eventType, eventData }))
      .catch((error: Error) => this.log('event failed', { eventType, error: error.message }));
  }

  private async call(method: string, path: string, body: string, contentType: string): Promise<void> {
    const response = await fetch(`${this.settings.url}${path}`, {
      method,
      headers: { authorization: `ModeCloud ${this.settings.apiKey}`, 'content-type': contentType },
      body,
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  }
}
