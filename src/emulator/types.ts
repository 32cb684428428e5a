/** Public shapes of the MODE emulator: how tests and tools start it and drive it. */

export interface EmulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface WebhookConfig {
  url: string;
  key: string;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  projectId?: number;
  /** Project API key with "Can Handle BYOU" (and permission to send events). */
  projectKey?: string;
  /** Event Webhooks of the project's Webhooks Smart Module. */
  webhooks?: WebhookConfig[];
  logger?: EmulatorLogger;
  /** How a latency fault waits (tests pass one they release themselves); default: a real timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type Fault =
  | { kind: 'latency'; ms: number; paths?: string; count?: number }
  | { kind: 'status'; status: number; paths?: string; count?: number }
  | { kind: 'drop'; paths?: string; count?: number };

export interface LoggedRequest {
  method: string;
  path: string;
  /** Extension: the query string parameters, when there were any. */
  query?: Record<string, unknown>;
  authorization?: string;
  contentType?: string;
  body: unknown;
}

export interface DeviceEventInput {
  eventType: string;
  eventData?: unknown;
}

export interface ProvisionedDevice {
  id: number;
  claimCode: string;
  apiKey: string;
}

export interface EmulatorControl {
  createProjectKey(opts: { byou: boolean; canSendEvents?: boolean }): string;
  provisionDevice(opts: { deviceClass: string; name?: string; tag?: string }): ProvisionedDevice;
  setClaimable(deviceId: number, claimable: boolean): void;
  emitDeviceEvent(deviceId: number, event: DeviceEventInput): Promise<void>;
  revokeUserKeys(userId: number): void;
  setWebhooks(hooks: WebhookConfig[]): void;
  setFault(fault: Fault | null): void;
  getState(): unknown;
  requests(): LoggedRequest[];
  reset(): void;
}

export interface Emulator {
  url: string;
  projectId: number;
  projectKey: string;
  control: EmulatorControl;
  close(): Promise<void>;
}
