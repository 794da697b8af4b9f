// How far a SQLite file's write-ahead log has been copied back into the database, read from its
// WAL-index (the `-shm` file), and the step by which a writer lets its log start anew.
import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * The WAL-index header at the start of the `-shm` file (SQLite's walformat.html, "the WAL-index
 * header"): two copies of a 48-byte header (mxFrame, the pages in the log, at offset 16), then
 * nBackfill (the pages of it copied into the database) at offset 96, in the machine's byte order.
 */
const SHM_HEADER = 136;
const HEADER_COPY = 48;
const MX_FRAME = 16;
const N_BACKFILL = 96;
/** The iVersion of the WAL-index format SQLite has written since 3.7.0. */
const WAL_INDEX_VERSION = 3007000;

/** Pages in the log (since it last started anew) and how many of them the database holds. */
export interface WalProgress {
  frames: number;
  backfilled: number;
}

/**
 * Reads the WAL-index of the file at `path`. It only says when a checkpoint is worth running:
 * nothing depends on it being right, and {@link WalIndex.progress} is null whenever it cannot tell.
 */
export class WalIndex {
  private fd: number | null = null;
  private readonly header = Buffer.alloc(SHM_HEADER);
  private readonly little = endianness() === 'LE';

  constructor(private readonly path: string) {}

  /** The log's progress, or null: no `-shm` file yet, a header being rewritten, a format unknown. */
  progress(): WalProgress | null {
    const { header } = this;
    try {
      this.fd ??= openSync(`${this.path}-shm`, 'r');
      if (readSync(this.fd, header, 0, SHM_HEADER, 0) < SHM_HEADER) return null;
    } catch {
      return null;
    }
    const u32 = (offset: number) =>
      this.little ? header.readUInt32LE(offset) : header.readUInt32BE(offset);
    if (u32(0) !== WAL_INDEX_VERSION) return null;
    if (header.compare(header, 0, HEADER_COPY, HEADER_COPY, 2 * HEADER_COPY) !== 0) return null;
    return { frames: u32(MX_FRAME), backfilled: Math.min(u32(N_BACKFILL), u32(MX_FRAME)) };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A log this many times `restartFrames` long is copied by the writer, however much is left. */
const FALL_BEHIND = 4;

/** When a writer lets its log start anew (see {@link restartLogIfDue}). */
export interface LogRestart {
  /** Once the log holds this many pages… */
  restartFrames: number;
  /** …and the checkpoint thread left at most this many uncopied. */
  slack: number;
}

/**
 * Run by a writer that leaves its checkpoints to another thread (wal_autocheckpoint = 0), between
 * its commits: once its log is long and nearly all copied, copies the rest itself (a PASSIVE
 * checkpoint of at most `slack` pages, never waiting) so that its next commit starts the log from
 * its beginning. SQLite starts a log anew only at a commit that finds it copied in full, and a
 * checkpoint on another thread finishes only if no commit lands meanwhile: under continuous writes
 * that is never, and the log would grow without end.
 */
export function restartLogIfDue(
  db: Database.Database,
  index: WalIndex,
  { restartFrames, slack }: LogRestart,
): void {
  const progress = index.progress();
  if (progress === null || progress.frames < restartFrames) return;
  // Copied in full (the next commit starts the log anew), or not nearly: unless the log has grown
  // to four times the length, which it does when the checkpoint thread gets too little of a busy
  // machine to keep up; then the writer copies what is left itself.
  const left = progress.frames - progress.backfilled;
  if (left === 0 || (left > slack && progress.frames < FALL_BEHIND * restartFrames)) return;
  db.pragma('wal_checkpoint(PASSIVE)');
}
