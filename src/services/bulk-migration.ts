// The bulk form of definition migrations (Twinfold's; Ditto has none over HTTP): every twin an RQL
// filter selects migrated one after another as Ditto's migrateDefinition would, each with its own
// permission checks, as a job whose progress and per-twin results are read back. Each migration's
// record is kept in the behaviour store (when given) from its start, so it is read back after a
// restart: its progress while it runs, its per-twin results once it has ended.
import { JobRecords, type JobStorage } from './job-records.js';
import { randomUUID } from 'node:crypto';
import { assertWritable, type Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import { isoTime } from '../core/thing.js';
import type { DefinitionMigration } from './definition-migration.js';
import { parseMigrationRequest, type MigrationRequest } from './migration-patch.js';

/** Most twins one bulk migration takes. */
export const MAX_MIGRATION_TWINS = 100_000;
/** Finished migrations kept (the oldest go first). */
const KEPT = 100;

/** What became of one twin. */
export interface TwinMigrationResult {
  thingId: string;
  /** The HTTP status the single form would have answered (200, 202, 400, 403, 404, 412…). */
  status: number;
  mergeStatus?: 'APPLIED' | 'DRY_RUN';
  patch?: JsonObject;
  /** The twin's revision after (APPLIED) or as it stays (DRY_RUN). */
  revision?: number;
  error?: string;
  message?: string;
}

export type MigrationState = 'running' | 'succeeded' | 'failed';

interface MigrationRecord {
  migrationId: string;
  owner: string;
  filter: string;
  /** `thingDefinitionUrl` as sent. */
  definition: string;
  dryRun: boolean;
  state: MigrationState;
  created: number;
  finished: number | null;
  /** How many twins it takes, how many are done and how many of those failed. */
  twins: number;
  done: number;
  failed: number;
  /** In id order; stored once the migration has ended. */
  results: TwinMigrationResult[];
  error: string | null;
}

/** A bulk migration as the API shows it. */
export interface MigrationView {
  migrationId: string;
  state: MigrationState;
  dryRun: boolean;
  request: { filter: string; thingDefinitionUrl: string };
  created: string;
  finished: string | null;
  progress: {
    twins: number;
    done: number;
    succeeded: number;
    failed: number;
    fraction: number;
  };
  results?: TwinMigrationResult[];
  error?: string;
}

export interface BulkMigrationOptions {
  migration: DefinitionMigration;
  /** The ids of the twins the filter selects that the identity may see, in id order, at most `max`. */
  select(identity: Identity, filter: string, max: number): Promise<string[]>;
  /** Twins migrated together, before the loop yields to other work (default 64). */
  chunk?: number;
  /** Where and how its records are kept (without it, in memory only). */
  records?: JobStorage;
}

export class BulkMigration {
  private readonly jobs: JobRecords<MigrationRecord>;

  constructor(private readonly options: BulkMigrationOptions) {
    this.jobs = new JobRecords<MigrationRecord>({
      kind: 'migration',
      kept: KEPT,
      ...options.records,
      codec: {
        id: (record) => record.migrationId,
        split: ({ results, ...summary }) => ({ summary, detail: results }),
        join: (summary, detail) =>
          ({ ...summary, results: detail ?? [] }) as unknown as MigrationRecord,
      },
    });
  }

  /** Checks the request, selects the twins and starts migrating them; answers at once. */
  async start(identity: Identity, body: unknown, dryRun: boolean): Promise<MigrationView> {
    const request = parseMigrationRequest(body, ['filter']);
    const filter = (body as JsonObject).filter;
    if (typeof filter !== 'string' || filter.trim() === '')
      throw errors.migrationRequestInvalid(
        'filter',
        'is required: an RQL filter selecting the twins (such as eq(definition,"dc:rack:1"))',
      );
    assertWritable(identity);
    this.options.migration.typeOf(identity, request);
    let ids: string[];
    try {
      ids = await this.options.select(identity, filter, MAX_MIGRATION_TWINS + 1);
    } catch (error) {
      if (error instanceof TwinfoldError && error.status === 400)
        throw errors.migrationRequestInvalid('filter', error.message);
      throw error;
    }
    if (ids.length > MAX_MIGRATION_TWINS)
      throw errors.migrationTooManyTwins(ids.length, MAX_MIGRATION_TWINS);
    const record: MigrationRecord = {
      migrationId: randomUUID(),
      owner: identity.id,
      filter,
      definition: request.definition,
      dryRun,
      state: 'running',
      created: this.now(),
      finished: null,
      twins: ids.length,
      done: 0,
      failed: 0,
      results: [],
      error: null,
    };
    await this.jobs.add(record);
    this.jobs.track(this.run(identity, record, request, ids));
    return viewOf(record, false);
  }

  /**
   * Migrates the twins a chunk at a time: the twins of a chunk in parallel (their writes share
   * group commits), results kept in id order, the event loop free between chunks.
   */
  private async run(
    identity: Identity,
    record: MigrationRecord,
    request: MigrationRequest,
    ids: string[],
  ): Promise<void> {
    const chunk = this.options.chunk ?? 64;
    try {
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk);
        const results = await Promise.all(
          part.map((thingId) => this.one(identity, record, request, thingId)),
        );
        record.results.push(...results);
        record.done += results.length;
        record.failed += results.filter((r) => r.status >= 300).length;
        this.jobs.changed(record.migrationId);
        await new Promise((resolve) => setImmediate(resolve));
      }
      record.state = 'succeeded';
    } catch (error) {
      record.state = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      record.finished = this.now();
      await this.jobs.finish(record.migrationId);
    }
  }

  private async one(
    identity: Identity,
    record: MigrationRecord,
    request: MigrationRequest,
    thingId: string,
  ): Promise<TwinMigrationResult> {
    try {
      const { response, revision } = await this.options.migration.migrate(
        identity,
        thingId,
        request,
        record.dryRun,
      );
      return {
        thingId,
        status: response.mergeStatus === 'APPLIED' ? 200 : 202,
        mergeStatus: response.mergeStatus,
        patch: response.patch,
        revision,
      };
    } catch (error) {
      if (!(error instanceof TwinfoldError)) throw error;
      return { thingId, status: error.status, error: error.code, message: error.message };
    }
  }

  async get(identity: Identity, migrationId: string): Promise<MigrationView> {
    const record = await this.jobs.visible(identity, migrationId);
    if (record === undefined) throw errors.migrationNotFound(migrationId);
    return viewOf(record, true);
  }

  /** The requester's migrations (an administrator's: all), newest first, without results. */
  async list(identity: Identity): Promise<MigrationView[]> {
    return (await this.jobs.listFor(identity)).map((record) => viewOf(record, false));
  }

  /** Resolves once every migration under way has finished (closing, tests). */
  async settled(): Promise<void> {
    await this.jobs.settled();
  }

  private now(): number {
    return (this.options.records?.now ?? Date.now)();
  }
}

function viewOf(record: MigrationRecord, withResults: boolean): MigrationView {
  const { done, failed, twins } = record;
  const view: MigrationView = {
    migrationId: record.migrationId,
    state: record.state,
    dryRun: record.dryRun,
    request: { filter: record.filter, thingDefinitionUrl: record.definition },
    created: isoTime(record.created),
    finished: record.finished === null ? null : isoTime(record.finished),
    progress: {
      twins,
      done,
      succeeded: done - failed,
      failed,
      fraction: twins === 0 ? 1 : done / twins,
    },
  };
  if (withResults) view.results = [...record.results];
  if (record.error !== null) view.error = record.error;
  return view;
}
