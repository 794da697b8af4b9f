// Replays over the API: a type version re-run over the journaled inputs of the twins a filter
// selects, in a time range, on a worker thread; its progress, then its comparison with what
// happened live, and the replayed twins written into a scenario namespace. Each replay's record is
// kept in the behaviour store (when given) from its start, so it is read back after a restart.
import { JobRecords, type JobStorage } from './job-records.js';
import { randomUUID } from 'node:crypto';
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { isValidNamespace } from '../core/ids.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { isoTime, namespaceOf } from '../core/thing.js';
import type { ReplayComparison } from '../runtime/replay/replay-comparison.js';
import type { FinalState, ReplayJob } from '../runtime/replay/replay-job.js';
import type { ReplayThreadProgress, ReplayThreadResult } from '../runtime/replay/replay-thread.js';
import type { JournalLocation } from '../store/journal-pages.js';
import type { CompiledType } from '../types/behaviour.js';
import { parseTypeId } from '../types/type-id.js';

/** Most twins one replay takes. */
export const MAX_REPLAY_TWINS = 10_000;
/** Finished replays kept (the oldest go first). */
const KEPT = 100;
const FIELDS = ['type', 'filter', 'from', 'to', 'into'];

/** What a replay asks for, checked. */
export interface ReplayRequest {
  type: string;
  filter: string | null;
  from: number;
  to: number;
  into: string | null;
}

export type ReplayState = 'running' | 'succeeded' | 'failed';

/** What writing the replayed twins into the scenario did. */
export interface IntoOutcome {
  namespace: string;
  written: string[];
  /** Twins deleted by the end of the range: nothing is written for them. */
  deleted: string[];
  failed: { thingId: string; message: string }[];
}

interface ReplayRecord {
  replayId: string;
  owner: string;
  request: ReplayRequest;
  state: ReplayState;
  created: number;
  finished: number | null;
  twins: number;
  events: number | null;
  eventsDone: number;
  seconds: number | null;
  comparison: ReplayComparison | null;
  into: IntoOutcome | null;
  error: string | null;
}

export interface ReplayServiceOptions {
  journal: JournalLocation;
  types: { compiled(typeId: string): CompiledType | undefined; ids(): string[] };
  /** The ids of the twins the filter selects that the identity may read whole (at most `max`). */
  select(identity: Identity, filter: string | null, max: number): Promise<string[]>;
  /** Resolves once every write acknowledged so far is in the journal (the workers read it). */
  durable(): Promise<void>;
  /** Writes a scenario twin (created with the identity's policy when missing) through the API's writes. */
  writeTwin(identity: Identity, thingId: string, thing: JsonObject): Promise<void>;
  /** Runs a job off the event loop (default: a worker thread). */
  run(job: ReplayJob, progress: ReplayThreadProgress): Promise<ReplayThreadResult>;
  /** Where and how its records are kept (without it, in memory only). */
  records?: JobStorage;
}

/** A replay as the API shows it. */
export interface ReplayView {
  replayId: string;
  state: ReplayState;
  request: {
    type: string;
    filter: string | null;
    from: string;
    to: string;
    into: string | null;
  };
  created: string;
  finished: string | null;
  progress: { twins: number; events: number | null; eventsDone: number; fraction: number };
  seconds: number | null;
  comparison?: unknown;
  into?: IntoOutcome;
  error?: string;
}

export class ReplayService {
  private readonly jobs: JobRecords<ReplayRecord>;

  constructor(private readonly options: ReplayServiceOptions) {
    this.jobs = new JobRecords<ReplayRecord>({
      kind: 'replay',
      kept: KEPT,
      ...options.records,
      codec: {
        id: (record) => record.replayId,
        split: ({ comparison, ...summary }) => ({ summary, detail: comparison }),
        join: (summary, detail) =>
          ({ ...summary, comparison: detail ?? null }) as unknown as ReplayRecord,
      },
    });
  }

  /** Checks the request, selects its twins and starts the replay; resolves once it runs. */
  async start(identity: Identity, body: unknown): Promise<ReplayView> {
    const request = this.checked(identity, body);
    const type = this.options.types.compiled(request.type) as CompiledType;
    if (request.into !== null) assertWritable(identity);
    if (this.jobs.runningCount > 0) throw errors.replayBusy(this.jobs.runningCount);
    const ids = await this.options.select(identity, request.filter, MAX_REPLAY_TWINS + 1);
    if (ids.length > MAX_REPLAY_TWINS)
      throw errors.replayTooManyTwins(ids.length, MAX_REPLAY_TWINS);
    if (request.into !== null && ids.some((id) => namespaceOf(id) === request.into))
      throw errors.replayIntoLive(request.into);
    // What every live type computes (stripped from the inputs of a twin it governed), and the
    // journal holding every acknowledged write: the workers look up where each twin starts.
    const liveOutputs: Record<string, readonly string[]> = {};
    for (const typeId of this.options.types.ids()) {
      const live = this.options.types.compiled(typeId);
      if (live) liveOutputs[typeId] = live.outputs;
    }
    await this.options.durable();
    const record: ReplayRecord = {
      replayId: randomUUID(),
      owner: identity.id,
      request,
      state: 'running',
      created: this.now(),
      finished: null,
      twins: ids.length,
      events: null,
      eventsDone: 0,
      seconds: null,
      comparison: null,
      into: null,
      error: null,
    };
    await this.jobs.add(record);
    const job: ReplayJob = {
      journal: this.options.journal,
      typeId: type.id,
      typeDocument: type.document,
      liveOutputs,
      twins: ids,
      from: request.from,
      to: request.to,
      keepFinal: request.into !== null,
    };
    this.jobs.track(this.follow(identity, record, job));
    return viewOf(record);
  }

  private async follow(identity: Identity, record: ReplayRecord, job: ReplayJob): Promise<void> {
    try {
      const result = await this.options.run(job, {
        counted: (events) => {
          record.events = events;
          this.jobs.changed(record.replayId);
        },
        progress: (eventsDone) => {
          record.eventsDone = eventsDone;
          this.jobs.changed(record.replayId);
        },
      });
      record.comparison = result.comparison;
      record.seconds = result.seconds;
      if (record.request.into !== null)
        record.into = await this.writeInto(identity, record, result.finals);
      record.state = 'succeeded';
    } catch (error) {
      record.state = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      record.finished = this.now();
      await this.jobs.finish(record.replayId);
    }
  }

  /**
   * Writes each replayed twin as `<into>:<name>`: its attributes and features as replayed (inputs
   * and the replayed type's outputs), without `definition` (no live type governs the scenario
   * twin), `policyId` (a new scenario twin gets the requester's policy; an existing one keeps its
   * own) or alerts (they are in the comparison), and the attribute `replay` saying where it came from.
   */
  private async writeInto(
    identity: Identity,
    record: ReplayRecord,
    finals: FinalState[],
  ): Promise<IntoOutcome> {
    const namespace = record.request.into as string;
    const outcome: IntoOutcome = { namespace, written: [], deleted: [], failed: [] };
    for (const { thingId, thing } of finals) {
      if (thing === null) {
        outcome.deleted.push(thingId);
        continue;
      }
      const target = `${namespace}:${thingId.slice(thingId.indexOf(':') + 1)}`;
      const attributes = isJsonObject(thing.attributes) ? thing.attributes : {};
      const scenario: JsonObject = {
        attributes: {
          ...attributes,
          replay: {
            replayId: record.replayId,
            type: record.request.type,
            of: thingId,
            from: isoTime(record.request.from),
            to: isoTime(record.request.to),
          },
        },
        features: isJsonObject(thing.features) ? thing.features : {},
      };
      try {
        await this.options.writeTwin(identity, target, scenario);
        outcome.written.push(target);
      } catch (error) {
        outcome.failed.push({
          thingId: target,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return outcome;
  }

  async get(identity: Identity, replayId: string): Promise<ReplayView> {
    const record = await this.jobs.visible(identity, replayId);
    if (record === undefined) throw errors.replayNotFound(replayId);
    return viewOf(record);
  }

  /** The requester's replays (an administrator's: all), newest first. */
  async list(identity: Identity): Promise<ReplayView[]> {
    return (await this.jobs.listFor(identity)).map((record) => viewOf(record, false));
  }

  /** Resolves once every replay under way has finished (closing, tests). */
  async settled(): Promise<void> {
    await this.jobs.settled();
  }

  private now(): number {
    return (this.options.records?.now ?? Date.now)();
  }

  private checked(identity: Identity, body: unknown): ReplayRequest {
    if (!isJsonObject(body))
      throw errors.replayRequestInvalid('', 'the body must be a JSON object');
    for (const key of Object.keys(body))
      if (!FIELDS.includes(key))
        throw errors.replayRequestInvalid(key, `unknown field (expected ${FIELDS.join(', ')})`);
    const { type, filter, into } = body;
    if (typeof type !== 'string')
      throw errors.replayRequestInvalid('type', "must be a type id 'namespace:name:version'");
    try {
      parseTypeId(type);
    } catch (error) {
      throw errors.replayRequestInvalid('type', error instanceof Error ? error.message : 'bad id');
    }
    if (!inScope(identity, parseTypeId(type).namespace) || !this.options.types.compiled(type))
      throw errors.replayTypeUnknown(type);
    if (filter !== undefined && (typeof filter !== 'string' || filter.trim() === ''))
      throw errors.replayRequestInvalid('filter', 'must be an RQL filter (a non-empty string)');
    const from = body.from === undefined ? 0 : timeOf('from', body.from);
    const to = body.to === undefined ? this.now() + 1 : timeOf('to', body.to);
    if (from >= to)
      throw errors.replayRequestInvalid('to', `must be later than from (${isoTime(from)})`);
    if (into !== undefined) {
      if (typeof into !== 'string' || !isValidNamespace(into))
        throw errors.replayRequestInvalid('into', 'must be a namespace (such as "scenario.a")');
      if (!inScope(identity, into))
        throw errors.replayRequestInvalid('into', `the requester may not write in '${into}'`);
    }
    return {
      type,
      filter: filter ?? null,
      from,
      to,
      into: (into as string | undefined) ?? null,
    };
  }
}

/** An instant given as ISO-8601 text or epoch milliseconds. */
function timeOf(field: string, value: unknown): number {
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15)
    throw errors.replayRequestInvalid(
      field,
      'must be an ISO-8601 time (such as "2026-01-01T00:00:00Z") or epoch milliseconds',
    );
  return ms;
}

function viewOf(record: ReplayRecord, withComparison = true): ReplayView {
  const { request } = record;
  const fraction =
    record.state === 'succeeded'
      ? 1
      : record.events === null || record.events === 0
        ? 0
        : Math.min(1, record.eventsDone / record.events);
  const view: ReplayView = {
    replayId: record.replayId,
    state: record.state,
    request: {
      type: request.type,
      filter: request.filter,
      from: isoTime(request.from),
      to: isoTime(request.to),
      into: request.into,
    },
    created: isoTime(record.created),
    finished: record.finished === null ? null : isoTime(record.finished),
    progress: {
      twins: record.twins,
      events: record.events,
      eventsDone: record.eventsDone,
      fraction,
    },
    seconds: record.seconds,
  };
  if (withComparison && record.comparison) view.comparison = comparisonView(record.comparison);
  if (record.into) view.into = record.into;
  if (record.error !== null) view.error = record.error;
  return view;
}

/** The comparison with its times as ISO-8601 text. */
function comparisonView(comparison: ReplayComparison): unknown {
  const time = (ms: number | null) => (ms === null ? null : isoTime(ms));
  const alert = <T extends { raisedAt: number; resolvedAt: number | null }>(a: T) => ({
    ...a,
    raisedAt: time(a.raisedAt),
    resolvedAt: time(a.resolvedAt),
  });
  const { alerts } = comparison;
  return {
    ...comparison,
    alerts: {
      ...alerts,
      onlyInReplayList: alerts.onlyInReplayList.map(alert),
      onlyLiveList: alerts.onlyLiveList.map(alert),
      resolvedApartList: alerts.resolvedApartList.map((a) => ({
        ...alert(a),
        liveResolvedAt: time(a.liveResolvedAt),
      })),
    },
  };
}
