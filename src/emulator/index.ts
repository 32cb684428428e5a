/** The MODE cloud emulator: an in-memory stand-in for MODE's API, for tests and local development. */
export { createEmulator } from './emulator';
export type { ModeEvent } from './webhooks';
export type {
  DeviceEventInput,
  Emulator,
  EmulatorControl,
  EmulatorLogger,
  EmulatorModes,
  EmulatorOptions,
  Fault,
  LoggedRequest,
  ProvisionedDevice,
  WebhookConfig,
} from './types';
