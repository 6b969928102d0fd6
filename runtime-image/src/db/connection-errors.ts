import { BbfnError } from '../errors.ts';

/**
 * Tells "the database is not reachable" apart from "the database refused this SQL".
 * The first becomes DATABASE_UNAVAILABLE (503, retry later) and the connection is
 * thrown away; the second is the handler's to catch, as the original pg error.
 */

// Socket-level failures from Node.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs that mean the server is going away or cannot take us now.
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '53300', // too_many_connections
]);

// node-postgres reports a dead or timed-out connection with these messages and no code.
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof BbfnError) return error.code === 'DATABASE_UNAVAILABLE';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  if (PG_CONNECTION_MESSAGES.some((text) => error.message.includes(text))) return true;
  // AggregateError (several addresses refused) and wrapped timeouts carry the socket error inside.
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return error.cause !== undefined && error.cause !== error && isConnectionError(error.cause);
}

/** The error a caller sees when the database cannot be reached; the pg error stays as `cause`. */
export function databaseUnavailable(cause: unknown): BbfnError {
  if (cause instanceof BbfnError && cause.code === 'DATABASE_UNAVAILABLE') return cause;
  return new BbfnError('DATABASE_UNAVAILABLE', undefined, { cause });
}
