// One server per data directory: an exclusive SQLite lock on `twinfold.lock.db`, which the kernel
// releases when the holding process dies, and `twinfold.lock` naming the holder for messages.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StorageLockedError } from '../storage-errors.js';

/** Directories held by this process (the kernel's locks are per process, so these are kept here). */
const heldHere = new Set<string>();

/** Who holds a directory: a server for as long as it runs, or a command such as `twinfold users`. */
export type LockHolder = 'server' | 'command';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
  holder?: LockHolder;
}

export interface LockOptions {
  /** What this process is; recorded for the messages of whoever finds the directory held. */
  holder?: LockHolder;
  /**
   * How long to wait while another short command holds the directory (two `twinfold users` run
   * from one script). A directory held by a server is refused at once: it would not be let go.
   */
  waitForCommandMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** A directory held by a short command (or by a holder not yet named): worth waiting for. */
class HeldByCommand extends Error {
  constructor(readonly refusal: StorageLockedError) {
    super(refusal.message);
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

  static acquire(directory: string, options: LockOptions = {}): DataDirectoryLock {
    const deadline = Date.now() + (options.waitForCommandMs ?? 0);
    for (;;) {
      try {
        return DataDirectoryLock.tryAcquire(directory, options.holder ?? 'server');
      } catch (error) {
        if (!(error instanceof HeldByCommand) || Date.now() >= deadline) {
          throw error instanceof HeldByCommand ? error.refusal : error;
        }
        sleepSync(25);
      }
    }
  }

  private static tryAcquire(directory: string, holder: LockHolder): DataDirectoryLock {
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
        ? `${owner.holder === 'command' ? 'a twinfold command, ' : ''}process ${owner.pid} on ` +
          `${owner.host} (running since ${owner.started})`
        : 'another process';
      const refusal = new StorageLockedError(
        owner?.holder === 'command'
          ? `The data directory ${dir} is in use by ${who}. Run one command at a time.`
          : `The data directory ${dir} is in use by ${who}. Stop that server first, or give ` +
            `this one another --data directory.`,
      );
      // The holder may not have written its name yet: only a known server is refused at once.
      if (owner?.holder === 'server' || (owner && owner.holder === undefined)) throw refusal;
      throw new HeldByCommand(refusal);
    }
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      holder,
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
