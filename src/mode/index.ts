// The MODE API client: the only way the bridge talks to MODE.
export { ModeClient, type ModeClientOptions } from './mode-client';
export type { ModeOutcome, ModeRequestEvent } from './mode-http';
export type { BreakerOptions, BreakerState } from './mode-breaker';
export type { RetryPolicy } from './mode-retry';
export * from './mode.errors';
export * from './mode.types';
