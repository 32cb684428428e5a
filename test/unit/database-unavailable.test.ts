import { isDatabaseUnavailable } from '../../src/db/unavailable';

// What counts as "the database cannot be reached" (503, try again) and what stays a fault (500).
// The API test (database-outage) drives the real drivers; these are the shapes it cannot provoke.

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
/** A Prisma error from the driver adapter, with the cause the adapter reported. */
const fromAdapter = (cause: { kind: string; code?: string }, message = 'Invalid invocation') =>
  Object.assign(new Error(message), { code: 'P2010', meta: { driverAdapterError: { cause } } });

test('when Prisma cannot reach the server or its pool times out, then it counts as unavailable', () => {
  expect(isDatabaseUnavailable(Object.assign(new Error("Can't reach database server"), { code: 'P1001' }))).toBe(true);
  expect(isDatabaseUnavailable(withCode('P2024', 'Timed out fetching a new connection from the connection pool'))).toBe(true);
  expect(isDatabaseUnavailable(fromAdapter({ kind: 'ConnectionClosed' }))).toBe(true);
});

test('when PostgreSQL is shutting down, starting or full, or the socket fails, then it counts as unavailable', () => {
  for (const code of ['57P01', '57P03', '53300', '08006', '08P01', 'ECONNREFUSED', 'ECONNRESET']) expect(isDatabaseUnavailable(withCode(code))).toBe(true);
  expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
});

test('when a statement outlived its timeout or its answer never came, then it counts as unavailable', () => {
  expect(isDatabaseUnavailable(withCode('57014', 'canceling statement due to statement timeout'))).toBe(true);
  expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
  // Prisma carries a server error it has no kind for as "postgres" with the SQLSTATE.
  expect(isDatabaseUnavailable(fromAdapter({ kind: 'postgres', code: '57014' }, 'Raw query failed. Code: `57014`'))).toBe(true);
  expect(isDatabaseUnavailable(fromAdapter({ kind: 'postgres', code: '23514' }, 'Raw query failed. Code: `23514`'))).toBe(false);
});

test('when the error is about the data or comes from another client, then it is not taken for an outage', () => {
  expect(isDatabaseUnavailable(withCode('23505', 'duplicate key value violates unique constraint'))).toBe(false);
  expect(isDatabaseUnavailable(withCode('P2002', 'Unique constraint failed'))).toBe(false);
  expect(isDatabaseUnavailable(Object.assign(new Error('Invalid invocation'), { meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation' } } } }))).toBe(false);
  // undici wraps the socket error of an HTTP call (MODE, a legacy user store) in its own.
  expect(isDatabaseUnavailable(new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe(false);
  expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
  expect(isDatabaseUnavailable(null)).toBe(false);
});
