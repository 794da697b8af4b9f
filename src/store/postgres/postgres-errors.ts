// Maps errors of the pg driver to the storage errors: a lost or refused connection becomes StorageUnavailableError.
import { StorageError, StorageUnavailableError } from '../storage-errors.js';

/** Node's socket errors that mean the server cannot be reached. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** SQLSTATEs of a server that is going away or refuses connections (class 08: connection exception). */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What pg says when a connection dies or cannot be made in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error|timeout expired|after calling end on the pool|not queryable/i;

/** True when `error` says the database cannot be reached or the connection was lost. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')) return true;
  }
  if (error instanceof AggregateError && error.errors.some(isConnectionFailure)) return true;
  return CONNECTION_MESSAGES.test(error.message);
}

/** The text of an error, with its SQLSTATE when it has one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || (error instanceof AggregateError ? String(error.errors[0]) : '');
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Wraps a driver error: StorageUnavailableError for a connection failure, StorageError otherwise;
 * storage errors pass through unchanged. `what` says what was being done ("reading events").
 */
export function toStorageError(error: unknown, what: string): StorageError {
  if (error instanceof StorageError) return error;
  const message = `PostgreSQL storage: ${what} failed: ${describeError(error)}`;
  return isConnectionFailure(error)
    ? new StorageUnavailableError(message, { cause: error })
    : new StorageError(message, { cause: error });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable PostgreSQL URL)';
  }
}
