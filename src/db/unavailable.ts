// Tells "the database cannot be reached right now" apart from every other database error, so an
// outage answers 503 (try again later) instead of 500 (a fault of ours). The errors come from
// node-postgres (the raw pool, and under Prisma's driver adapter) and Prisma itself, always as
// the error thrown: causes are not followed, so a socket error of another client (MODE's, say)
// wrapped in its own error is never taken for the database's.

/** Prisma's codes for a server it cannot reach, that timed out or closed, and for pool exhaustion. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);

/** Kinds Prisma's driver adapters give a lost or refused connection. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * PostgreSQL's SQLSTATEs for a server that is shutting down, starting, full, too slow, or whose
 * connection broke: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
 * query_canceled (the statement timeout; an operator's cancel looks the same), class 08.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

function isUnavailableSqlState(code: string): boolean {
  return UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

// node-postgres reports a dropped connection, its own connect timeouts and an answer that never
// came (its query timeout) with a message only.
const NODE_POSTGRES_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout)/;

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
}

export function isDatabaseUnavailable(thrown: unknown): boolean {
  if (thrown === null || typeof thrown !== 'object') return false;
  const error = thrown as ErrorShape;
  const { code } = error;
  if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || isUnavailableSqlState(code))) return true;
  const cause = error.meta?.driverAdapterError?.cause;
  if (typeof cause?.kind === 'string' && ADAPTER_KINDS.has(cause.kind)) return true;
  // Any other server error reaches Prisma as kind "postgres" with its SQLSTATE.
  if (cause?.kind === 'postgres' && typeof cause.code === 'string' && isUnavailableSqlState(cause.code)) return true;
  return typeof error.message === 'string' && NODE_POSTGRES_MESSAGES.test(error.message);
}
