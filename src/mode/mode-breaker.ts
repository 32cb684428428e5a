// Circuit breaker around single MODE attempts: when MODE is failing, callers get an immediate
// ModeUnavailableError instead of piling up requests and timeouts against it.
import CircuitBreaker from 'opossum';
import {
  ModeBadGatewayError,
  type ModeCallContext,
  ModeTimeoutError,
  ModeUnavailableError,
} from './mode.errors';

export interface BreakerOptions {
  /** Failure percentage within the rolling window at which the breaker opens. */
  errorThresholdPercentage: number;
  /** Fewest requests in the window before the breaker may open. */
  volumeThreshold: number;
  rollingCountTimeoutMs: number;
  /** How long the breaker stays open before letting one trial request through. */
  resetTimeoutMs: number;
}

export const defaultBreakerOptions: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingCountTimeoutMs: 10_000,
  resetTimeoutMs: 10_000,
};

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A 4xx is MODE working as intended; only signs of MODE being unwell count against it. */
export function isUpstreamFailure(err: unknown): boolean {
  return (
    err instanceof ModeBadGatewayError || err instanceof ModeUnavailableError || err instanceof ModeTimeoutError
  );
}

type Attempt = () => Promise<unknown>;

export class ModeBreaker {
  private readonly breaker: CircuitBreaker<[Attempt], unknown>;

  constructor(options: BreakerOptions, onStateChange?: (state: BreakerState) => void) {
    this.breaker = new CircuitBreaker((attempt: Attempt) => attempt(), {
      // undici's connect/response timeouts already bound each attempt.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      resetTimeout: options.resetTimeoutMs,
      errorFilter: (err: unknown) => !isUpstreamFailure(err),
      enableSnapshots: false,
    });
    if (onStateChange) {
      this.breaker.on('open', () => onStateChange('open'));
      this.breaker.on('halfOpen', () => onStateChange('half_open'));
      this.breaker.on('close', () => onStateChange('closed'));
    }
  }

  /** Runs one attempt, or rejects at once with ModeUnavailableError while the breaker is open. */
  async run<T>(context: ModeCallContext, attempt: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(attempt)) as T;
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'EOPENBREAKER') {
        throw new ModeUnavailableError('circuit_open', 'not sent: circuit breaker is open', context);
      }
      if (code === 'ESHUTDOWN') throw new ModeUnavailableError('closed', 'not sent: client is closed', context);
      throw err;
    }
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
