// Encoding requests for, and reading answers from, the MODE wire: paths from route templates,
// JSON or web-form bodies, JSON answers, and socket-level failures as typed errors.
import {
  errorForStatus,
  ModeBadGatewayError,
  type ModeCallContext,
  ModeError,
  ModeTimeoutError,
  ModeUnavailableError,
} from './mode.errors';

export type ModeMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type FormValue = string | number | boolean | undefined;

/** One call to MODE. `route` is a template such as `/homes/:homeId`, filled from `params`. */
export interface ModeRequest {
  method: ModeMethod;
  route: string;
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  /** API key for `Authorization: ModeCloud <key>`; calls MODE allows anonymously omit it. */
  key?: string;
  json?: unknown;
  form?: Record<string, FormValue>;
  /** Set false to never retry, even an idempotent call (readiness checks want a quick answer). */
  retry?: boolean;
  /**
   * Whether MODE doing the call twice is harmless; defaults to the method's idempotency. A call that
   * is not (a command is a PUT, yet a "toggle" must never run twice) is retried only when the
   * connection was never established, and a connection lost after sending it is a 502, not a 503.
   */
  repeatable?: boolean;
}

/** The real path of a request: every parameter URL-encoded, so an ID can never change the route. */
export function buildPath(request: Pick<ModeRequest, 'route' | 'params' | 'query'>): string {
  const path = request.route.replace(/:([A-Za-z]\w*)/g, (_match, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new TypeError(`Missing path parameter "${name}" for ${request.route}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) query.set(name, String(value));
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export interface EncodedBody {
  contentType?: string;
  body?: string;
}

export function encodeBody(request: Pick<ModeRequest, 'json' | 'form'>): EncodedBody {
  if (request.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form)) {
      if (value !== undefined) form.set(name, String(value));
    }
    return { contentType: 'application/x-www-form-urlencoded', body: form.toString() };
  }
  if (request.json !== undefined) return { contentType: 'application/json', body: JSON.stringify(request.json) };
  return {};
}

/** MODE explains refusals as `{"reason": "..."}`; anything else yields no reason. */
function readReason(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const reason = (parsed as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' && reason ? reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The parsed body of a 2xx answer (undefined when empty), or the error the status means.
 * `secret` (the API key used) is blanked out of error bodies so no error can ever carry it.
 */
export function readAnswer(status: number, text: string, context: ModeCallContext, secret?: string): unknown {
  if (status < 200 || status >= 300) {
    const safeText = secret ? text.replaceAll(secret, '[redacted]') : text;
    throw errorForStatus(status, readReason(safeText), context);
  }
  if (status === 204 || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModeBadGatewayError(`answered ${status} with a body that is not JSON`, context, status, undefined, {
      cause: err,
    });
  }
}

/** Failures while opening the connection: the request cannot have reached MODE. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Failures of a connection that may already have carried the request (a reset, a closed socket;
 * ETIMEDOUT is counted here because the OS also reports it for established connections).
 */
const DROPPED_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // Node reports a refused dual-stack connect as an AggregateError of per-address errors.
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  return undefined;
}

/** Maps what undici threw to a ModeError; programming errors (bad arguments) pass through. */
export function fromTransportError(err: unknown, context: ModeCallContext): unknown {
  if (err instanceof ModeError) return err;
  const code = errorCode(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new ModeTimeoutError('connect', context, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ModeTimeoutError('response', context, { cause: err });
  }
  if (code !== undefined && CONNECT_CODES.has(code)) {
    return new ModeUnavailableError('connection', `could not be reached (${code})`, context, undefined, undefined, {
      cause: err,
    });
  }
  if (code !== undefined && DROPPED_CODES.has(code)) {
    return new ModeUnavailableError('dropped', `dropped the connection (${code})`, context, undefined, undefined, {
      cause: err,
    });
  }
  if (code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') {
    return new ModeUnavailableError('closed', 'not sent: client is closed', context, undefined, undefined, {
      cause: err,
    });
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === undefined) return err;
  return new ModeBadGatewayError(`answered something unreadable (${code})`, context, undefined, undefined, {
    cause: err,
  });
}
