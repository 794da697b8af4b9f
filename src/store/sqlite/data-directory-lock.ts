// One server per data directory: a lock file naming the process that holds the directory.
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StorageLockedError } from '../storage-errors.js';

/** Directories held by this process (a second platform in one process is refused too). */
const heldHere = new Set<string>();

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/**
 * The lock of one data directory, held until released. A lock left by a process that is gone
 * (killed with -9) is taken over.
 *
 * @example
 * const lock = DataDirectoryLock.acquire('./data'); // throws StorageLockedError when held
 * lock.release();
 */
export class DataDirectoryLock {
  private released = false;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
  ) {}

  static acquire(directory: string): DataDirectoryLock {
    const dir = resolve(directory);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'twinfold.lock');
    if (heldHere.has(dir)) {
      throw new StorageLockedError(
        `The data directory ${dir} is already in use by this process (pid ${process.pid}).`,
      );
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        const owner: LockOwner = {
          pid: process.pid,
          host: hostname(),
          started: new Date().toISOString(),
        };
        writeSync(fd, `${JSON.stringify(owner)}\n`);
        closeSync(fd);
        heldHere.add(dir);
        return new DataDirectoryLock(dir, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner && owner.host === hostname() && owner.pid !== process.pid && isRunning(owner.pid)) {
        throw new StorageLockedError(
          `The data directory ${dir} is in use by process ${owner.pid} (running since ` +
            `${owner.started}). Stop that server first, or give this one another --data directory.`,
        );
      }
      if (owner && owner.host !== hostname()) {
        throw new StorageLockedError(
          `The data directory ${dir} is in use by process ${owner.pid} on host ${owner.host}. ` +
            `Stop that server first; if it is gone for good, delete ${path}.`,
        );
      }
      // Left by a process that is gone: take it over.
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new StorageLockedError(
      `The data directory ${dir} is being taken by another process at this moment; try again.`,
    );
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    if (readOwner(this.path)?.pid === process.pid) unlinkSync(this.path);
  }
}
