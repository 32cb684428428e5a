/** The parts of one emulated MODE project that routes and the control API share. */
import type { Access } from './auth';
import type { DeviceSockets } from './device-socket';
import type { Faults } from './faults';
import type { EmulatorModes } from './modes';
import type { RequestLog } from './request-log';
import type { Store } from './store';
import type { EmulatorLogger } from './types';
import type { Webhooks } from './webhooks';

export interface EmulatorContext {
  store: Store;
  access: Access;
  webhooks: Webhooks;
  sockets: DeviceSockets;
  faults: Faults;
  requestLog: RequestLog;
  logger: EmulatorLogger;
  /** Shared with the routes and changed in place by the control API. */
  modes: EmulatorModes;
}
