// The one HTTP connection to MODE: a keep-alive pool, the ModeCloud header, timeouts, retries of
// safe calls, a circuit breaker, and a per-attempt metrics hook. Nothing else sends HTTP to MODE.
import { Pool } from 'undici';
import { type BreakerOptions, type BreakerState, defaultBreakerOptions, ModeBreaker } from './mode-breaker';
import { defaultRetryPolicy, isIdempotent, type RetryMode, type RetryPolicy, withRetry } from './mode-retry';
import { buildPath, encodeBody, fromTransportError, type ModeRequest, readAnswer } from './mode-wire';
import {
  ModeApiError,
  ModeBadGatewayError,
  type ModeCallContext,
  ModeTimeoutError,
  ModeUnavailableError,
} from './mode.errors';

export type ModeOutcome =
  | 'success'
  | 'client_error'
  | 'bad_gateway'
  | 'unavailable'
  | 'circuit_open'
  | 'timeout'
  | 'error';

/** One attempt at a MODE call, for metrics. `route` is the template: no IDs, never a key. */
export interface ModeRequestEvent {
  method: string;
  route: string;
  status?: number;
  durationMs: number;
  outcome: ModeOutcome;
  /** 1 for the first try, 2 and up for retries. */
  attempt: number;
}

export interface ModeHttpOptions {
  baseUrl: string;
  connectTimeoutMs?: number;
  /** Longest wait for the response headers, and then between chunks of the body. */
  responseTimeoutMs?: number;
  connections?: number;
  /** Idle time before a kept-alive connection is dropped; a shorter Keep-Alive hint from MODE wins. */
  keepAliveTimeoutMs?: number;
  retries?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerOptions>;
  onRequest?: (event: ModeRequestEvent) => void;
  onBreakerStateChange?: (state: BreakerState) => void;
}

export const defaultHttpOptions = {
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 10_000,
  connections: 64,
  keepAliveTimeoutMs: 4_000,
};

function outcomeOf(err: unknown): ModeOutcome {
  if (err instanceof ModeApiError) return 'client_error';
  if (err instanceof ModeTimeoutError) return 'timeout';
  if (err instanceof ModeUnavailableError) return err.kind === 'circuit_open' ? 'circuit_open' : 'unavailable';
  return err instanceof ModeBadGatewayError ? 'bad_gateway' : 'error';
}

export const RANGE_HEADER = 'vnd.tinkermode.range';

export interface ModeAnswer {
  body: unknown;
  range?: string;
}

/**
 * A call not safe to repeat whose connection broke after it was sent may have been carried out:
 * that is a bad gateway (the caller must check before trying again), not "MODE unavailable".
 */
function outcomeUnknown(err: unknown, repeatable: boolean, context: ModeCallContext): unknown {
  if (repeatable || !(err instanceof ModeUnavailableError) || err.kind !== 'dropped') return err;
  return new ModeBadGatewayError('lost the connection after the request was sent; it may have been carried out', context, undefined, undefined, { cause: err });
}

export class ModeHttp {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly breaker: ModeBreaker;
  private readonly retryPolicy: RetryPolicy;
  private readonly onRequest?: (event: ModeRequestEvent) => void;
  private closing?: Promise<void>;

  constructor(options: ModeHttpOptions) {
    const url = new URL(options.baseUrl);
    const settings = { ...defaultHttpOptions, ...withoutUndefined(options) };
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: settings.connections,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    this.retryPolicy = { ...defaultRetryPolicy, ...withoutUndefined(options.retries ?? {}) };
    this.breaker = new ModeBreaker(
      { ...defaultBreakerOptions, ...withoutUndefined(options.breaker ?? {}) },
      options.onBreakerStateChange,
    );
    this.onRequest = options.onRequest;
  }

  /** Sends the call (retrying as far as it is safe) and returns MODE's parsed JSON, if any. */
  async request(request: ModeRequest): Promise<unknown> {
    return (await this.exchange(request)).body;
  }

  /** Like `request`, with the answer's `vnd.tinkermode.range` header (how MODE reports a page of a list). */
  async exchange(request: ModeRequest): Promise<ModeAnswer> {
    const path = buildPath(request);
    const context: ModeCallContext = { method: request.method, path, route: request.route };
    const repeatable = request.repeatable ?? isIdempotent(request.method);
    const mode: RetryMode = request.retry === false ? 'never' : repeatable ? 'repeatable' : 'unsent';
    return withRetry(this.retryPolicy, mode, (attempt) => this.attempt(request, repeatable, context, attempt));
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Stops new calls at once, lets calls in flight finish. Safe to call more than once. */
  close(): Promise<void> {
    if (!this.closing) {
      this.breaker.shutdown();
      this.closing = this.pool.close();
    }
    return this.closing;
  }

  private async attempt(
    request: ModeRequest,
    repeatable: boolean,
    context: ModeCallContext,
    attempt: number,
  ): Promise<ModeAnswer> {
    const startedAt = performance.now();
    let status: number | undefined;
    try {
      const answer = await this.breaker.run(context, async () => {
        try {
          const response = await this.pool.request({
            method: request.method,
            path: this.basePath + context.path,
            ...this.encode(request),
          });
          status = response.statusCode;
          const body = readAnswer(status, await response.body.text(), context, request.key);
          const range = response.headers[RANGE_HEADER];
          return { body, range: typeof range === 'string' ? range : undefined };
        } catch (err) {
          throw outcomeUnknown(fromTransportError(err, context), repeatable, context);
        }
      });
      this.report(context, attempt, startedAt, status, 'success');
      return answer;
    } catch (err) {
      this.report(context, attempt, startedAt, status, outcomeOf(err));
      throw err;
    }
  }

  private encode(request: ModeRequest): { headers: Record<string, string>; body?: string } {
    const { contentType, body } = encodeBody(request);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'mode-bridge' };
    if (request.key !== undefined) headers.authorization = `ModeCloud ${request.key}`;
    if (contentType) headers['content-type'] = contentType;
    return body === undefined ? { headers } : { headers, body };
  }

  private report(
    context: ModeCallContext,
    attempt: number,
    startedAt: number,
    status: number | undefined,
    outcome: ModeOutcome,
  ): void {
    if (!this.onRequest) return;
    const event = { method: context.method, route: context.route, status, durationMs: performance.now() - startedAt };
    try {
      this.onRequest({ ...event, outcome, attempt });
    } catch {
      // A broken metrics hook must never fail or alter a call to MODE.
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
