// Errors of the storage adapters (SQLite and PostgreSQL alike): small classes that set `name` and keep `cause`.

/** A storage operation failed; `cause` holds the driver's error. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The database cannot be reached or the connection was lost (refused, timed out, shut down, files
 * that cannot be opened). Retrying later may succeed; nothing the caller sent is at fault.
 */
export class StorageUnavailableError extends StorageError {
  override readonly name: string = 'StorageUnavailableError';
}

/**
 * A journal commit refused without being tried, because an earlier commit failed (so no batch lands
 * after a lost one) or the journal is closed. `cause` is the earlier failure, when there is one.
 */
export class JournalRefusedError extends StorageError {
  override readonly name: string = 'JournalRefusedError';
}

/** A commit whose events do not follow the revisions already journaled for their things. */
export class RevisionConflictError extends StorageError {
  override readonly name: string = 'RevisionConflictError';
}
