// The cluster Journal: PostgreSQL, one function call (one transaction) per commit on a dedicated writer connection, reads from the pool.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { toEvent, toStored, type EventRow, type ThingRow } from '../journal-rows.js';
import type { TwinEvent } from '../../core/events.js';
import { formatPointer } from '../../core/json-pointer.js';
import type { CommitBatch, EventRange, Journal, SeqRange, StoredThing } from '../journal.js';
import {
  CommitOutcomeUnknownError,
  JournalRefusedError,
  RevisionConflictError,
  StorageError,
  StorageUnavailableError,
} from '../storage-errors.js';
import { describeError, isConnectionFailure, toStorageError } from './postgres-errors.js';
import type { PgPool, PgPoolClient } from './postgres-pool.js';

/**
 * What must hold for the journal to write: the storage's lock on its schema (PostgresSchemaLock).
 * A lost lock is taken again before the next write; while it cannot be, nothing is written.
 */
export interface WriteGuard {
  readonly held: boolean;
  /** Takes the lock again; rejects when it cannot (another server holds it, or no connection). */
  retake(): Promise<void>;
}

/** How long a commit whose answer was lost waits to learn whether it landed, by default (ms). */
export const DEFAULT_OUTCOME_TIMEOUT_MS = 10_000;
/** The first and the longest pause between attempts to learn a commit's outcome (ms). */
const OUTCOME_RETRY_FIRST_MS = 50;
const OUTCOME_RETRY_MAX_MS = 1000;
/** Fences of commits that never landed are kept this long, for a copy of one still running. */
const FENCE_KEPT = '1 day';

/** Events read per page by `readAll`. */
const READ_ALL_PAGE = 1000;
/** Things read per page by `loadCurrent`. */
const LOAD_PAGE = 5000;

const EVENT_COLUMNS = 'seq, thing_id, revision, ts, action, path, value, originator, observed_at';
const THING_COLUMNS = 'thing_id, revision, created, modified, json';

/** The events of a batch as column arrays, in batch order, for one `unnest` insert. */
interface EventColumns {
  thingIds: string[];
  revisions: number[];
  timestamps: number[];
  actions: string[];
  paths: string[];
  values: (string | null)[];
  originators: (string | null)[];
  observedAt: (number | null)[];
}

/** Thing states as column arrays (checkpoints and snapshots). */
interface StateColumns {
  thingIds: string[];
  revisions: number[];
  created: number[];
  modified: number[];
  json: (string | null)[];
}

/** A batch encoded when `commit` is called, so that later changes to the caller's objects do not leak in. */
interface EncodedBatch {
  events: EventColumns;
  /** The first revision of each thing in the batch (for the check against the journal). */
  firstRevisions: Map<string, number>;
  /** Why the batch is invalid in itself (a thing's revisions not growing within it), or null. */
  invalid: string | null;
  dirty: string[];
  checkpoint: StateColumns | null;
  snapshots: StateColumns;
}

function encodeEvents(
  events: readonly TwinEvent[],
): Omit<EncodedBatch, 'dirty' | 'checkpoint' | 'snapshots'> {
  const columns: EventColumns = {
    thingIds: [],
    revisions: [],
    timestamps: [],
    actions: [],
    paths: [],
    values: [],
    originators: [],
    observedAt: [],
  };
  const firstRevisions = new Map<string, number>();
  const lastRevisions = new Map<string, number>();
  let invalid: string | null = null;
  for (const e of events) {
    const last = lastRevisions.get(e.thingId);
    if (last === undefined) firstRevisions.set(e.thingId, e.revision);
    else if (!(e.revision > last) && invalid === null) {
      invalid = `event revision ${e.revision} of ${e.thingId} is not after revision ${last}`;
    }
    lastRevisions.set(e.thingId, e.revision);
    columns.thingIds.push(e.thingId);
    columns.revisions.push(e.revision);
    columns.timestamps.push(e.timestamp);
    columns.actions.push(e.action);
    columns.paths.push(formatPointer(e.path));
    columns.values.push(e.value === undefined ? null : JSON.stringify(e.value));
    columns.originators.push(e.originator ?? null);
    columns.observedAt.push(e.observedAt ?? null);
  }
  return { events: columns, firstRevisions, invalid };
}

/** States as columns; of several states of one key (thing, or thing and revision) the last wins. */
function encodeStates(states: readonly StoredThing[], byRevision: boolean): StateColumns {
  const last = new Map<string, StoredThing>();
  for (const s of states) last.set(byRevision ? `${s.revision} ${s.thingId}` : s.thingId, s);
  const columns: StateColumns = {
    thingIds: [],
    revisions: [],
    created: [],
    modified: [],
    json: [],
  };
  for (const s of last.values()) {
    columns.thingIds.push(s.thingId);
    columns.revisions.push(s.revision);
    columns.created.push(s.created);
    columns.modified.push(s.modified);
    columns.json.push(s.json);
  }
  return columns;
}

function encode(batch: CommitBatch): EncodedBatch {
  return {
    ...encodeEvents(batch.events),
    dirty: [...batch.dirty],
    checkpoint: batch.checkpoint ? encodeStates(batch.checkpoint, false) : null,
    snapshots: encodeStates(batch.snapshots, true),
  };
}

/**
 * One commit, in one round trip and its own transaction: `twinfold_commit` (migration 11) takes
 * the batch's positions from the `journal_sequence` row, checks its first revisions against the
 * journal, inserts its events (with their observation times), marks its dirty things, writes its
 * checkpoint and snapshots, records its commit id and forgets the previous one.
 */
const COMMIT_SQL = `SELECT twinfold_commit($1::uuid, $2::uuid, $3::text[], $4::bigint[],
  $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[],
  $12::bigint[], $13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::bigint[], $18::text[],
  $19::text[], $20::bigint[], $21::bigint[], $22::bigint[], $23::text[]) AS base`;

/** The base of a commit that landed, or null once it is sure never to land (migration 4). */
const OUTCOME_SQL = 'SELECT twinfold_outcome($1::uuid) AS base';

/** Ids of commits no one will ask about: landed ones of earlier processes, old fences. */
const PRUNE_COMMITS_SQL = `DELETE FROM commits WHERE base IS NOT NULL OR at < now() - interval '${FENCE_KEPT}'`;

/** The SQLSTATE `twinfold_commit` raises when a revision does not follow the journaled ones. */
const CONFLICT_CODE = 'TF409';
/** The SQLSTATE `twinfold_commit` raises when the `journal_sequence` row is missing. */
const MISSING_SEQUENCE_CODE = 'TF500';

const READ_EVENTS_SQL = `SELECT ${EVENT_COLUMNS} FROM events
  WHERE thing_id = $1 AND revision BETWEEN $2 AND $3 AND ts BETWEEN $4 AND $5
  ORDER BY revision LIMIT $6`;

const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2`;

const LOAD_PAGE_SQL = `SELECT ${THING_COLUMNS} FROM things WHERE thing_id > $1
  ORDER BY thing_id LIMIT ${LOAD_PAGE}`;

/**
 * Forgets things deleted before $1 and not changed since the last checkpoint (those are dirty):
 * events, snapshots and tombstone, in one statement (the sub-statements share one snapshot).
 */
const PRUNE_SQL = `WITH doomed AS (
    SELECT t.thing_id FROM things t
    WHERE t.json IS NULL AND t.modified < $1
      AND NOT EXISTS (SELECT 1 FROM dirty_things d WHERE d.thing_id = t.thing_id)
  ), gone_events AS (
    DELETE FROM events WHERE thing_id IN (SELECT thing_id FROM doomed)
  ), gone_snapshots AS (
    DELETE FROM snapshots WHERE thing_id IN (SELECT thing_id FROM doomed)
  )
  DELETE FROM things WHERE thing_id IN (SELECT thing_id FROM doomed)`;

/**
 * The PostgreSQL {@link Journal}. Commits queue on one writer connection and apply in the order they
 * were made, each one call of `twinfold_commit` (one round trip, one transaction): the batch takes
 * its positions from the `journal_sequence` row
 * (locked and moved on in the same transaction, so two writers can never interleave), its events'
 * revisions are checked against the journal, and its events go in with one `unnest` insert. A commit
 * resolves once PostgreSQL has committed it (`synchronous_commit` is on for every connection). Once
 * one fails, every later one is refused with {@link JournalRefusedError}. Reads use the pool.
 *
 * Each commit records a unique commit id in the same transaction. When the answer to a commit is
 * lost with its connection, the journal does not guess: it asks PostgreSQL (on a new connection,
 * retrying) whether that id landed, and answers truthfully; if it cannot learn it in time, it
 * rejects with {@link CommitOutcomeUnknownError}, and the commit stands or not as PostgreSQL
 * decided (`recover` makes that final before anything else is written).
 *
 * Open it with {@link PostgresJournal.open} on a pool whose connections have the migrated schema as
 * their search path (as `openPostgresStorage` does).
 */
export class PostgresJournal implements Journal {
  /** The end of the queue of commits and prunes; never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The error of the first failed commit: every later commit is refused with it. */
  private failure: StorageError | null = null;
  /** The id of a commit whose outcome could not be learned in time, until `recover` settles it. */
  private unsettled: string | null = null;
  /** The id of the last commit known to have landed: the next commit forgets it. */
  private previous: string | null = null;
  private closed = false;
  private writer: PgPoolClient | null;
  private readonly onWriterError = (error: Error) => {
    // An idle writer connection died: nothing was lost; the next commit takes a new connection.
    const writer = this.writer;
    this.writer = null;
    writer?.off('error', this.onWriterError);
    writer?.release(error);
  };

  private constructor(
    private readonly pool: PgPool,
    writer: PgPoolClient,
    private readonly guard: WriteGuard | null,
    private readonly outcomeTimeoutMs: number,
  ) {
    this.writer = writer;
    writer.on('error', this.onWriterError);
  }

  /**
   * Opens the journal on `pool`, taking its writer connection out of the pool for good. With a
   * `guard`, every write and every recovery first makes sure the guard holds, and the commit ids
   * of earlier processes are pruned (no one will ask about them). A commit whose answer is lost
   * waits up to `outcomeTimeoutMs` to learn whether it landed.
   */
  static async open(
    pool: PgPool,
    guard: WriteGuard | null = null,
    outcomeTimeoutMs = DEFAULT_OUTCOME_TIMEOUT_MS,
  ): Promise<PostgresJournal> {
    const writer = await pool.connect().catch((error: unknown) => {
      throw toStorageError(error, 'connecting the journal writer');
    });
    if (guard !== null) {
      await writer.query(PRUNE_COMMITS_SQL).catch((error: unknown) => {
        writer.release(error instanceof Error ? error : true);
        throw toStorageError(error, 'pruning commit ids');
      });
    }
    return new PostgresJournal(pool, writer, guard, outcomeTimeoutMs);
  }

  commit(batch: CommitBatch, inDoubt?: () => void): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new JournalRefusedError('journal write refused: the journal is closed'),
      );
    }
    let encoded: EncodedBatch | StorageError;
    try {
      encoded = encode(batch);
    } catch (error) {
      // E.g. a value JSON cannot hold: the batch fails in its turn, like any other write.
      const reason = error instanceof Error ? error.message : String(error);
      encoded = new StorageError(`journal write failed: the batch cannot be encoded: ${reason}`, {
        cause: error,
      });
    }
    const run = this.tail.then(() => this.commitInTurn(batch, encoded, inDoubt));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitInTurn(
    batch: CommitBatch,
    encoded: EncodedBatch | StorageError,
    inDoubt: (() => void) | undefined,
  ): Promise<void> {
    if (this.failure !== null) {
      throw new JournalRefusedError(
        `journal write refused: an earlier write failed (${this.failure.message})`,
        { cause: this.failure },
      );
    }
    if (encoded instanceof StorageError) {
      this.failure = encoded;
      throw encoded;
    }
    let base: number;
    try {
      base = await this.write(encoded, inDoubt);
    } catch (error) {
      const failure =
        error instanceof StorageError ? error : toStorageError(error, 'journal write');
      this.failure = failure;
      throw failure;
    }
    const { events } = batch;
    for (let i = 0; i < events.length; i++) events[i].seq = base + i + 1;
  }

  /**
   * In its turn after every earlier commit: checks that the writer connection works (taking a new
   * one when the old one is broken) and that the guard holds, then accepts commits again. Rejects
   * while the server is away, or while another server holds the schema.
   */
  recover(): Promise<void> {
    const run = this.tail.then(async () => {
      try {
        const client = await this.writerConnection();
        await client.query('SELECT 1');
      } catch (error) {
        const broken = this.writer;
        this.writer = null;
        if (broken) {
          broken.off('error', this.onWriterError);
          broken.release(error instanceof Error ? error : true);
        }
        throw toStorageError(error, 'reconnecting the journal writer');
      }
      // After a PostgreSQL restart the schema lock went with its session: no writes without it.
      await this.guard?.retake();
      if (this.unsettled !== null) {
        // Whatever PostgreSQL decided stands; from here on it cannot change.
        const base = await this.outcome(this.unsettled).catch((error: unknown) => {
          throw toStorageError(error, 'learning the outcome of a commit whose answer was lost');
        });
        if (base !== null) this.previous = this.unsettled;
        this.unsettled = null;
      }
      this.failure = null;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** A connection for writing: the writer, or a new one when the old one died while idle. */
  private async writerConnection(): Promise<PgPoolClient> {
    if (this.writer === null) {
      const writer = await this.pool.connect();
      if (this.writer !== null) {
        // An attempt given up on (its deadline passed) connected meanwhile: keep one of the two.
        writer.release();
        return this.writer;
      }
      writer.on('error', this.onWriterError);
      this.writer = writer;
    }
    return this.writer;
  }

  /**
   * Writes one batch in a transaction; resolves to the position before its first event. When the
   * answer is lost with the connection, finds out whether the batch landed before it answers.
   */
  private async write(batch: EncodedBatch, inDoubt: (() => void) | undefined): Promise<number> {
    if (batch.invalid !== null) {
      throw new RevisionConflictError(`journal write failed: ${batch.invalid}`);
    }
    if (this.guard !== null && !this.guard.held) await this.guard.retake();
    const client = await this.writerConnection();
    const { events, checkpoint, snapshots } = batch;
    const none = checkpoint === null;
    const id = randomUUID();
    try {
      const { rows } = await client.query<{ base: number }>(COMMIT_SQL, [
        id,
        this.previous,
        events.thingIds,
        events.revisions,
        events.timestamps,
        events.actions,
        events.paths,
        events.values,
        events.originators,
        events.observedAt,
        [...batch.firstRevisions.keys()],
        [...batch.firstRevisions.values()],
        batch.dirty,
        ...(none ? [[], [], [], [], []] : stateParams(checkpoint)),
        ...stateParams(snapshots),
      ]);
      this.previous = id;
      return rows[0].base;
    } catch (error) {
      if (isConnectionFailure(error)) {
        inDoubt?.();
        const base = await this.settle(id, error);
        this.previous = id;
        return base;
      }
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      if (code === CONFLICT_CODE) {
        throw new RevisionConflictError(`journal write failed: ${message}`, { cause: error });
      }
      if (code === MISSING_SEQUENCE_CODE) throw new StorageError(message, { cause: error });
      throw toStorageError(error, 'journal write');
    }
  }

  /**
   * Learns whether the commit `id`, whose answer was lost with `lost`, landed: asks PostgreSQL on a
   * new connection, again and again with growing pauses, for up to `outcomeTimeoutMs`. Resolves to
   * its base when it landed; rejects with StorageUnavailableError when it did not (and now never
   * will), with CommitOutcomeUnknownError when PostgreSQL could not be asked in time.
   */
  private async settle(id: string, lost: unknown): Promise<number> {
    this.dropWriter(lost);
    const deadline = Date.now() + this.outcomeTimeoutMs;
    let pause = OUTCOME_RETRY_FIRST_MS;
    let reason = describeError(lost);
    for (;;) {
      let base: number | null;
      try {
        base = await this.outcome(id, deadline);
      } catch (error) {
        reason = describeError(error);
        this.dropWriter(error);
        const left = deadline - Date.now();
        if (left <= 0) {
          this.unsettled = id;
          throw new CommitOutcomeUnknownError(
            `PostgreSQL storage: the connection was lost while a commit was answered (${describeError(lost)}), and whether it landed could not be learned in ${this.outcomeTimeoutMs} ms (${reason})`,
            { cause: lost },
          );
        }
        await sleep(Math.min(pause, left));
        pause = Math.min(pause * 2, OUTCOME_RETRY_MAX_MS);
        continue;
      }
      if (base !== null) return base;
      throw new StorageUnavailableError(
        `PostgreSQL storage: journal write failed: the connection was lost before PostgreSQL committed (${describeError(lost)})`,
        { cause: lost },
      );
    }
  }

  /**
   * Asks PostgreSQL, on the writer connection (a new one when needed), whether the commit `id`
   * landed: its base, or null once it is sure never to land. Gives up at `deadline`.
   */
  private async outcome(id: string, deadline = Infinity): Promise<number | null> {
    const ask = (async () => {
      const client = await this.writerConnection();
      const { rows } = await client.query<{ base: number | null }>(OUTCOME_SQL, [id]);
      return rows[0].base;
    })();
    if (deadline === Infinity) return ask;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('timeout expired while asking')),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([ask, late]);
    } finally {
      clearTimeout(timer);
      // An answer that comes after the deadline is dropped with its connection.
      ask.catch(() => undefined);
    }
  }

  /** Gives a broken writer connection back to the pool to be destroyed; the next write takes a new one. */
  private dropWriter(error: unknown): void {
    const writer = this.writer;
    this.writer = null;
    if (writer !== null) {
      writer.off('error', this.onWriterError);
      writer.release(error instanceof Error ? error : true);
    }
  }

  async lastSeq(): Promise<number> {
    const { rows } = await this.read<{ last: number }>(
      'SELECT last FROM journal_sequence WHERE id = 1',
      [],
      'reading the last position',
    );
    return rows[0]?.last ?? 0;
  }

  async *readAll(range: SeqRange = {}): AsyncIterable<TwinEvent> {
    let from = range.fromSeq ?? 1;
    let left = range.limit ?? Infinity;
    while (left > 0) {
      const page = Math.min(READ_ALL_PAGE, left);
      const { rows } = await this.read<EventRow>(READ_ALL_SQL, [from, page], 'reading events');
      for (const row of rows) yield toEvent(row);
      if (rows.length < page) return;
      from = (rows[rows.length - 1].seq as number) + 1;
      left -= rows.length;
    }
  }

  async loadCurrent(visit: (thing: StoredThing) => void): Promise<number> {
    // Pages by key, in one repeatable-read transaction: a consistent state, never all rows at once.
    let client: PgPoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStorageError(error, 'loading the current state');
    }
    let count = 0;
    /** What the caller's `visit` threw: passed on as it is, not as a storage error. */
    let visitFailure: { error: unknown } | null = null;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let after = '';
      for (;;) {
        const { rows } = await client.query<ThingRow>(LOAD_PAGE_SQL, [after]);
        try {
          for (const row of rows) visit(toStored(row));
        } catch (error) {
          visitFailure = { error };
          throw error;
        }
        count += rows.length;
        if (rows.length < LOAD_PAGE) break;
        after = rows[rows.length - 1].thing_id;
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      if (visitFailure !== null) {
        const clean = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(!clean);
        throw visitFailure.error;
      }
      client.release(error instanceof Error ? error : true);
      throw toStorageError(error, 'loading the current state');
    }
    return count;
  }

  async dirtyThings(): Promise<string[]> {
    const { rows } = await this.read<{ thing_id: string }>(
      'SELECT thing_id FROM dirty_things ORDER BY thing_id',
      [],
      'reading dirty things',
    );
    return rows.map((r) => r.thing_id);
  }

  async readEvents(thingId: string, range: EventRange): Promise<TwinEvent[]> {
    const { rows } = await this.read<EventRow>(
      READ_EVENTS_SQL,
      [
        thingId,
        range.fromRevision ?? 0,
        range.toRevision ?? Number.MAX_SAFE_INTEGER,
        range.fromTimestamp ?? Number.MIN_SAFE_INTEGER,
        range.toTimestamp ?? Number.MAX_SAFE_INTEGER,
        range.limit ?? null,
      ],
      'reading events',
    );
    return rows.map(toEvent);
  }

  async checkpointed(thingId: string): Promise<StoredThing | null> {
    const { rows } = await this.read<ThingRow>(
      `SELECT ${THING_COLUMNS} FROM things WHERE thing_id = $1`,
      [thingId],
      'reading a thing',
    );
    return rows.length > 0 ? toStored(rows[0]) : null;
  }

  async snapshotAtOrBefore(thingId: string, revision: number): Promise<StoredThing | null> {
    const { rows } = await this.read<ThingRow>(
      `SELECT ${THING_COLUMNS} FROM snapshots WHERE thing_id = $1 AND revision <= $2
       ORDER BY revision DESC LIMIT 1`,
      [thingId, revision],
      'reading a snapshot',
    );
    return rows.length > 0 ? toStored(rows[0]) : null;
  }

  async revisionAt(thingId: string, timestamp: number): Promise<number | null> {
    const { rows } = await this.read<{ revision: number | null }>(
      'SELECT max(revision) AS revision FROM events WHERE thing_id = $1 AND ts <= $2',
      [thingId, timestamp],
      'reading a revision',
    );
    return rows[0]?.revision ?? null;
  }

  pruneDeletedBefore(timestamp: number): Promise<number> {
    if (this.closed) return Promise.reject(new StorageError('the journal is closed'));
    // On the writer's queue, so that it is ordered with commits.
    const run = this.tail.then(async () => {
      const client = await this.writerConnection();
      try {
        const result = await client.query(PRUNE_SQL, [timestamp]);
        return result.rowCount ?? 0;
      } catch (error) {
        throw toStorageError(error, 'pruning deleted things');
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for queued commits, then gives the writer connection back (the pool is the storage's). */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    const writer = this.writer;
    this.writer = null;
    if (writer !== null) {
      writer.off('error', this.onWriterError);
      writer.release();
    }
  }

  private async read<R extends object>(
    sql: string,
    values: unknown[],
    what: string,
  ): Promise<{ rows: R[] }> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw toStorageError(error, what);
    }
  }
}

function stateParams(states: StateColumns): unknown[] {
  return [states.thingIds, states.revisions, states.created, states.modified, states.json];
}
