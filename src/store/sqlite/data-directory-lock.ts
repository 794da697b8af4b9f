// One server per data directory: an exclusive SQLite lock on `twinfold.lock.db`, which the kernel
// releases when the holding process dies, and `twinfold.lock` naming the holder for messages.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StorageLockedError } from '../storage-errors.js';

/** Directories held by this process (the kernel's locks are per process, so these are kept here). */
const heldHere = new Set<string>();

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/**
 * The lock of one data directory, held until released or until the process ends (a lock of a
 * server killed with -9 is free at once: nothing is left to take over).
 *
 * @example
 * const lock = DataDirectoryLock.acquire('./data'); // throws StorageLockedError when held
 * lock.release();
 */
export class DataDirectoryLock {
  private released = false;

  private constructor(
    private readonly dir: string,
    private readonly db: Database.Database,
    private readonly ownerFile: string,
  ) {}

  static acquire(directory: string): DataDirectoryLock {
    const dir = resolve(directory);
    mkdirSync(dir, { recursive: true });
    const ownerFile = join(dir, 'twinfold.lock');
    if (heldHere.has(dir)) {
      throw new StorageLockedError(
        `The data directory ${dir} is already in use by this process (pid ${process.pid}).`,
      );
    }
    const db = new Database(join(dir, 'twinfold.lock.db'), { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      const owner = readOwner(ownerFile);
      const who = owner
        ? `process ${owner.pid} on ${owner.host} (running since ${owner.started})`
        : 'another process';
      throw new StorageLockedError(
        `The data directory ${dir} is in use by ${who}. Stop that server first, or give this ` +
          `one another --data directory.`,
      );
    }
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
    };
    writeFileSync(ownerFile, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
    heldHere.add(dir);
    return new DataDirectoryLock(dir, db, ownerFile);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    if (readOwner(this.ownerFile)?.pid === process.pid) rmSync(this.ownerFile, { force: true });
    this.db.close();
  }
}
