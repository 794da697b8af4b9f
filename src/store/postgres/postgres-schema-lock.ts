// One server per schema: a session advisory lock held on a connection of its own, taken again when that session ends.
import { StorageLockedError, StorageUnavailableError } from '../storage-errors.js';
import { toStorageError } from './postgres-errors.js';
import type { PgPool, PgPoolClient } from './postgres-pool.js';

/** How long after losing the lock it is first asked for again, and between later tries. */
const RETAKE_EVERY_MS = 1000;

/**
 * The advisory lock `twinfold:<schema>` of one storage. PostgreSQL drops a session lock with its
 * session, so when the lock's connection ends (PostgreSQL restarted, the backend was terminated)
 * the lock is lost: it is asked for again in the background every second, and by the journal
 * before its next write ({@link PostgresSchemaLock.retake}). Should another server have taken it
 * meanwhile, `retake` fails with {@link StorageLockedError} and the journal writes nothing.
 */
export class PostgresSchemaLock {
  private client: PgPoolClient | null = null;
  private retaking: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly onError = (error: Error) => this.lost(error);

  private constructor(
    private readonly pool: PgPool,
    private readonly schema: string,
    private readonly where: string,
  ) {}

  /** Takes the lock of `schema`; refuses with StorageLockedError, naming the holder, when held. */
  static async take(pool: PgPool, schema: string, where: string): Promise<PostgresSchemaLock> {
    const lock = new PostgresSchemaLock(pool, schema, where);
    await lock.retake();
    return lock;
  }

  /** True while this storage holds its schema (as far as it knows: its lock session is open). */
  get held(): boolean {
    return this.client !== null;
  }

  /** Takes the lock again when it was lost (one attempt at a time); resolves at once when held. */
  retake(): Promise<void> {
    if (this.client !== null) return Promise.resolve();
    if (this.closed) return Promise.reject(new StorageUnavailableError('the storage is closed'));
    this.retaking ??= this.acquire().finally(() => (this.retaking = null));
    return this.retaking;
  }

  /** Gives the lock up for good (the storage closes). */
  release(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    client?.off('error', this.onError);
    client?.release();
  }

  private lost(error: Error): void {
    const client = this.client;
    this.client = null;
    if (client !== null) {
      client.off('error', this.onError);
      // pg emits the error of a broken connection more than once; keep one listener to the end.
      client.on('error', () => undefined);
      client.release(error);
    }
    this.retakeSoon();
  }

  private retakeSoon(): void {
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.retake().catch((error: unknown) => {
        // Still unreachable: try again. Taken by another server: leave it; writes are refused.
        if (!(error instanceof StorageLockedError)) this.retakeSoon();
      });
    }, RETAKE_EVERY_MS);
    this.timer.unref();
  }

  private async acquire(): Promise<void> {
    const { schema, where } = this;
    let client: PgPoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStorageError(error, `locking schema "${schema}" of ${where}`);
    }
    try {
      const key = `twinfold:${schema}`;
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [key],
      );
      if (rows[0]?.locked) {
        if (this.closed) {
          // The storage closed while we asked: the lock goes with the discarded session.
          client.release(true);
          return;
        }
        client.on('error', this.onError);
        this.client = client;
        return;
      }
      const holder = await client.query<{ pid: number; client_addr: string | null }>(
        `SELECT a.pid, a.client_addr::text AS client_addr FROM pg_locks l
           JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.objid = hashtext($1)::oid AND l.granted LIMIT 1`,
        [key],
      );
      const who = holder.rows[0]
        ? ` (backend pid ${holder.rows[0].pid}${holder.rows[0].client_addr ? ` from ${holder.rows[0].client_addr}` : ''})`
        : '';
      client.release();
      throw new StorageLockedError(
        `Schema "${schema}" of ${where} is in use by another Twinfold server${who}. Stop that ` +
          `server first, or give this one another schema (--store-schema).`,
      );
    } catch (error) {
      if (error instanceof StorageLockedError) throw error;
      client.release(true);
      throw toStorageError(error, `locking schema "${schema}" of ${where}`);
    }
  }
}
