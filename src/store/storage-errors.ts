// Typed storage errors, shared by every adapter: what failed, whether it may pass, and its cause.

/** A storage operation failed. `cause` holds the driver's own error. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/**
 * A write or read failed for a reason that can pass (a full disk, a lost connection, a lock
 * timeout): nothing of the failed operation was stored, and a later one may succeed.
 */
export class StorageUnavailableError extends StorageError {
  override name = 'StorageUnavailableError';
}

/** Stored data was found damaged or missing at start; the message names the file and what to do. */
export class StorageCorruptError extends StorageError {
  override name = 'StorageCorruptError';
}

/** Another process holds the storage (e.g. the data directory); the message names it. */
export class StorageLockedError extends StorageError {
  override name = 'StorageLockedError';
}
