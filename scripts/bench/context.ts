// What every scenario is given: the running processes, the load settings, and a logger.
import type { BridgeService } from './bridge';
import type { EmulatorService, Service } from './processes';
import type { RssSampler } from './rss';

export interface BenchSettings {
  durationSec: number;
  connections: number;
  /** Shorter runs at one connection, for the latency each hop adds without queueing. */
  singleDurationSec: number;
  warmUpSec: number;
  /** The proxy's targets, and the login scenario's quiet and storm windows, are measured in this many interleaved rounds. */
  rounds: number;
}

export interface BenchContext {
  settings: BenchSettings;
  emulator: EmulatorService;
  bridge: BridgeService;
  bridgeRss: RssSampler;
  bare?: Service;
  /** The same pass-through as one Express route: what the framework alone costs. */
  expressProxy?: Service;
  log(line: string): void;
}
