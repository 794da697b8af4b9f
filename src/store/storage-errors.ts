// Typed storage errors, shared by every adapter (SQLite and PostgreSQL alike): small classes that
// set `name` and keep `cause`, saying what failed and whether it may pass.

/** A storage operation failed; `cause` holds the driver's error. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A write or read failed for a reason that can pass: the database cannot be reached or the
 * connection was lost, the disk is full, a lock timed out. Nothing of the failed operation was
 * stored, and retrying later may succeed; nothing the caller sent is at fault.
 */
export class StorageUnavailableError extends StorageError {
  override readonly name: string = 'StorageUnavailableError';
}

/**
 * A journal commit refused without being tried, because an earlier commit failed (so no batch lands
 * after a lost one) or the journal is closed. `cause` is the earlier failure, when there is one.
 * It passes once the journal has recovered.
 */
export class JournalRefusedError extends StorageUnavailableError {
  override readonly name: string = 'JournalRefusedError';
}

/**
 * A journal commit whose answer was lost with its connection, and whose outcome could not be
 * learned in time: the database may or may not have committed it. It is never undone later;
 * reading the journal once storage works again tells which. Not a StorageUnavailableError: that
 * one says nothing was stored.
 */
export class CommitOutcomeUnknownError extends StorageError {
  override readonly name: string = 'CommitOutcomeUnknownError';
}

/** A commit whose events do not follow the revisions already journaled for their things. */
export class RevisionConflictError extends StorageError {
  override readonly name: string = 'RevisionConflictError';
}

/** Stored data was found damaged or missing at start; the message names the file and what to do. */
export class StorageCorruptError extends StorageError {
  override readonly name: string = 'StorageCorruptError';
}

/** Another process holds the storage (e.g. the data directory); the message names it. */
export class StorageLockedError extends StorageError {
  override readonly name: string = 'StorageLockedError';
}

/**
 * A driver's failure as a StorageUnavailableError: `doing` says what failed, the driver's message
 * follows, and the driver's error is the cause.
 *
 * @example throw unavailableWhile('catalog write failed', error);
 */
export function unavailableWhile(doing: string, error: unknown): StorageUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(`${doing}: ${reason}`, { cause: error });
}
