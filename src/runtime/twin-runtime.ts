// The twin runtime: loads the twins, and wires their state in memory, the write pipeline, the
// group-committed journal, the committed-event stream, time travel and search; owns recovery from
// storage faults and the freeing of deleted twins' memory.
import { errors } from '../core/error-registry.js';
import type { TagView } from '../core/etag.js';
import type { TwinEvent } from '../core/events.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';
import { checkPreconditions, type Preconditions } from '../core/preconditions.js';
import { RELATIONS } from '../core/relations.js';
import { readResource, type ThingResource } from '../core/thing-resource.js';
import {
  toSearchDocument,
  type SearchDocument,
  type Thing,
  type ThingMeta,
} from '../core/thing.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import type { EventRange, Journal } from '../store/journal.js';
import { CommitOutcomeUnknownError } from '../store/storage-errors.js';
import type { SearchQuery, TwinIndex } from '../store/twin-index.js';
import { CommittedEventStream } from './committed-event-stream.js';
import { EvictedTwins } from './evicted-twins.js';
import { GroupCommit } from './group-commit.js';
import { PendingWrites } from './pending-writes.js';
import { RelationGraph } from './relation-graph.js';
import { TimeTravel, applyEvents, type Replayed } from './time-travel.js';
import { TwinSearch } from './twin-search.js';
import { TwinStates, entryOf, isLive, storedThing, type TwinEntry } from './twin-states.js';
import type { WriteRefusal } from './write-pipeline.js';
import {
  WritePipeline,
  tagOf,
  type PlanStep,
  type WriteRequest,
  type WriteResult,
} from './write-pipeline.js';

export type {
  PlanContext,
  PlanStep,
  WriteKind,
  WriteRequest,
  WriteResult,
} from './write-pipeline.js';
export { WriteRefusal } from './write-pipeline.js';

/** What the runtime reports about its commits (metrics, logs). */
export interface RuntimeObserver {
  committed(events: number, seconds: number): void;
  failed(error: unknown): void;
  /** Writes are accepted again after a storage fault. */
  recovered(): void;
  /** A commit's answer was lost: writes are refused while the journal finds out whether it landed. */
  inDoubt(): void;
}

export interface RuntimeOptions {
  journal: Journal;
  index: TwinIndex;
  /** Largest thing JSON in bytes (Ditto's default 100 kB). */
  maxThingBytes?: number;
  /** A historical snapshot is written every this many revisions. */
  snapshotEvery?: number;
  /** How many recently used twins stay parsed in memory. */
  parsedCacheSize?: number;
  /** How often the current state of changed twins is written to the journal (ms). */
  checkpointEveryMs?: number;
  observer?: Partial<RuntimeObserver>;
  /** The clock of event timestamps (default Date.now). */
  now?: () => number;
  /** The clock of checkpoint rounds and of freeing deleted twins (default Date.now). */
  timerClock?: () => number;
  /**
   * After a failed commit, writes are refused for at least this long (ms, default 1000) before
   * they are tried again: time for a passing fault (a full disk, a database restart) to pass.
   */
  recoveryDelayMs?: number;
  /** Steps that add changes to every write's revision (derived values). */
  planSteps?: PlanStep[];
  /**
   * What a write of a twin must wait for before its steps run (null: nothing), asked on every
   * write with the twin's current state and revision (behaviour state rebuilt after a restart).
   */
  prepareWrite?: (
    thingId: string,
    thing: JsonObject | null,
    revision: number,
  ) => Promise<void> | null;
}

export interface ReadRequest {
  resource: ThingResource;
  preconditions?: Preconditions;
  condition?: FilterNode;
  at?: { revision: number } | { timestamp: number };
  /**
   * Runs against the (possibly historical) state before preconditions and condition; returns what
   * of the resource the requester may read when that is not all of it.
   */
  authorize?: (thing: JsonObject, meta: ThingMeta) => TagView | void;
}

export interface ReadResult {
  value: JsonValue;
  etag: string;
  /** The whole thing with its metadata (for field selection of special fields); built on demand. */
  doc: () => SearchDocument;
}

const DEFAULT_MAX_THING_BYTES = 100 * 1024;
/** Deleted twins are let go of from memory at most this often (ms). */
const FREE_DELETED_EVERY_MS = 1000;

/**
 * A write whose commit failed: nothing of it was stored, and the client may retry; or, when the
 * journal could not learn whether it landed, a write that may stand, which the client must read.
 */
function refusedByStorage(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CommitOutcomeUnknownError)
    throw errors.storageOutcomeUnknown(message, error);
  throw errors.storageUnavailable(message, error);
}

export class TwinRuntime {
  private readonly states: TwinStates;
  private readonly finder: TwinSearch;
  private readonly journal: Journal;
  private readonly index: TwinIndex;
  private readonly commits: GroupCommit;
  private readonly pipeline: WritePipeline;
  private readonly travel: TimeTravel;
  private readonly pending = new PendingWrites();
  /** Deleted twins let go of from memory; their tombstones stay in the journal. */
  private readonly evicted = new EvictedTwins();
  /** Twins deleted since the last time deleted twins were freed. */
  private deleted = new Set<string>();
  private lastFreed = 0;
  private readonly timerClock: () => number;
  /** Largest thing JSON in bytes. */
  readonly maxThingBytes: number;
  /** Why storage failed, while writes are refused (null when healthy). */
  private failure: Error | null = null;
  /** True while writes are refused only because the journal is finding out whether a commit landed. */
  private doubting = false;
  private readonly recoveryDelayMs: number;
  private readonly observer: Partial<RuntimeObserver>;
  /** Every committed event, in commit order, for the consumers that follow the journal. */
  readonly events: CommittedEventStream;
  /**
   * Every twin's relations, both ways, as applied in memory; complete once `indexed` resolves
   * (it is built in the same pass as the search index).
   */
  readonly relations = new RelationGraph();

  constructor(options: RuntimeOptions) {
    this.journal = options.journal;
    this.events = new CommittedEventStream(options.journal);
    this.index = options.index;
    this.maxThingBytes = options.maxThingBytes ?? DEFAULT_MAX_THING_BYTES;
    this.states = new TwinStates(options.parsedCacheSize ?? 50_000);
    this.recoveryDelayMs = options.recoveryDelayMs ?? 1000;
    this.timerClock = options.timerClock ?? Date.now;
    const observer = options.observer ?? {};
    this.observer = observer;
    this.commits = new GroupCommit(
      this.journal,
      {
        committed: (events, seconds) => {
          this.pending.settle(events.length);
          this.events.publish(events);
          this.noteDeleted(events);
          observer.committed?.(events.length, seconds);
        },
        failed: (error) => {
          this.storageFailed(error);
          observer.failed?.(error);
        },
        inDoubt: () => this.commitInDoubt(),
        landedAfterDoubt: () => this.doubtSettled(),
      },
      {
        stateOf: (thingId) => storedThing(thingId, this.states.get(thingId) as TwinEntry),
        checkpointEveryMs: options.checkpointEveryMs,
        now: this.timerClock,
      },
    );
    this.pipeline = new WritePipeline({
      states: this.states,
      index: this.index,
      pending: this.pending,
      append: (event, snapshot) => this.commits.append(event, snapshot),
      refusal: () => this.failure,
      mayBeEvicted: (thingId) => this.evicted.mightContain(thingId),
      load: (thingId) => this.ensureLoaded(thingId),
      refusedByStorage,
      // A write leaves the relations it does not touch as they were (the same object).
      applied: (thingId, before, after) => {
        if (before?.[RELATIONS] !== after?.[RELATIONS]) this.relations.sync(thingId, after);
      },
      now: options.now ?? Date.now,
      maxThingBytes: this.maxThingBytes,
      snapshotEvery: options.snapshotEvery ?? 100,
      steps: options.planSteps ?? [],
      prepare: options.prepareWrite,
    });
    this.finder = new TwinSearch(this.index, this.states, (thingId, thing) =>
      this.relations.sync(thingId, thing),
    );
    this.travel = new TimeTravel({
      journal: this.journal,
      states: this.states,
      drain: () => this.commits.drain(),
      ensureLoaded: (thingId) => this.ensureLoaded(thingId),
    });
  }

  /**
   * Loads the current state of every twin: the checkpointed states, then the events of twins that
   * changed after the last checkpoint; resolves to the number of live twins. Deleted twins stay in
   * the journal only. Reads and writes can be served from then on; the search index is built in
   * the background (see `indexed`), and searches wait for it.
   */
  async load(): Promise<number> {
    this.events.startAt(await this.journal.lastSeq());
    const dirty = await this.journal.dirtyThings();
    const replayed = new Set(dirty);
    await this.journal.loadCurrent((stored) => {
      if (stored.json === null && !replayed.has(stored.thingId)) this.evicted.add(stored.thingId);
      else this.states.add(stored.thingId, entryOf(stored));
    });
    for (const thingId of dirty) await this.replay(thingId);
    this.finder.start();
    return this.states.liveCount;
  }

  /** Resolves once the search index holds every twin loaded at start. */
  get indexed(): Promise<void> {
    return this.finder.built;
  }

  /** False while the search index is being built after a load. */
  get indexComplete(): boolean {
    return this.finder.complete;
  }

  /** Applies the events a twin got after its checkpointed state. */
  private async replay(thingId: string): Promise<void> {
    const entry = this.states.get(thingId);
    // Loading fills entries from their JSON only; a twin caught up after a fault may be parsed
    // only (parsed things are never mutated, so that form is reused as it is).
    const start: Replayed = {
      thing: entry?.thing ?? (entry?.json ? (JSON.parse(entry.json) as JsonObject) : null),
      revision: entry?.revision ?? 0,
      created: entry?.created ?? 0,
      modified: entry?.modified ?? 0,
    };
    const events = await this.journal.readEvents(thingId, { fromRevision: start.revision + 1 });
    const { thing, revision, created, modified } = applyEvents(start, events);
    const json = thing === null ? null : JSON.stringify(thing);
    this.states.set(thingId, entryOf({ json, revision, created, modified }));
    if (json === null) this.deleted.add(thingId);
    // The replayed state becomes the checkpointed one at the next checkpoint.
    if (revision > (entry?.revision ?? 0)) this.commits.markDirty(thingId);
  }

  /** Number of live (not deleted) twins. */
  get size(): number {
    return this.states.liveCount;
  }

  /** Number of twins held in memory, deleted ones not yet freed included. */
  get twinsInMemory(): number {
    return this.states.count;
  }

  /** False while storage fails and writes are refused (until the runtime has recovered). */
  get healthy(): boolean {
    return this.failure === null;
  }

  /** Waits for every queued write to be durable. */
  flush(): Promise<void> {
    return this.commits.drain();
  }

  /**
   * Resolves once every write applied so far is durable, or its commit failed (writes applied later
   * are not waited for).
   */
  settled(): Promise<void> {
    return this.commits.settled();
  }

  async close(): Promise<void> {
    await this.commits.drain(true);
    this.events.close();
    await this.journal.close();
  }

  // --- memory of deleted twins ---

  /** Remembers the twins a commit deleted; frees deleted twins' memory now and then. */
  private noteDeleted(events: readonly TwinEvent[]): void {
    for (const event of events) {
      if (event.action === 'deleted' && event.path.length === 0) this.deleted.add(event.thingId);
    }
    const now = this.timerClock();
    if (this.deleted.size > 0 && now - this.lastFreed >= FREE_DELETED_EVERY_MS) {
      this.lastFreed = now;
      this.freeDeleted();
    }
  }

  /**
   * Lets go of deleted twins whose tombstone the journal holds as their checkpointed state (so
   * nothing of them is only in memory); the others wait for a later round.
   */
  private freeDeleted(): void {
    const waiting = new Set<string>();
    for (const thingId of this.deleted) {
      const entry = this.states.get(thingId);
      if (entry === undefined || isLive(entry)) continue;
      if (this.commits.isDirty(thingId) || this.pipeline.busy(thingId)) waiting.add(thingId);
      else {
        this.states.set(thingId, undefined);
        this.evicted.add(thingId);
      }
    }
    this.deleted = waiting;
  }

  /** Brings a deleted twin that was let go of from memory back, from its checkpointed tombstone. */
  private async ensureLoaded(thingId: string): Promise<void> {
    if (this.states.has(thingId) || !this.evicted.mightContain(thingId)) return;
    const stored = await this.journal.checkpointed(thingId);
    // A write may have brought it back meanwhile.
    if (stored === null || this.states.has(thingId)) return;
    this.states.set(thingId, entryOf(stored));
    if (stored.json === null) this.deleted.add(thingId);
  }

  // --- storage faults ---

  /**
   * A commit failed: every write not yet durable is undone (so no read or search shows what was
   * not acknowledged), writes are refused, and recovery starts.
   */
  private storageFailed(error: unknown): void {
    this.undoPending();
    if (this.failure !== null && !this.doubting) return;
    this.doubting = false;
    this.failure = error instanceof Error ? error : new Error(String(error));
    void this.recover();
  }

  /**
   * The answer to a commit was lost: new writes are refused while the journal finds out whether it
   * landed; the writes already applied wait for that answer (they stand if it did).
   */
  private commitInDoubt(): void {
    if (this.failure !== null) return;
    this.doubting = true;
    this.failure = new Error(
      'the connection to storage was lost while a commit was answered; finding out whether it landed',
    );
    this.observer.inDoubt?.();
  }

  /** The commit in doubt landed: storage works again, and writes are accepted. */
  private doubtSettled(): void {
    if (!this.doubting) return;
    this.doubting = false;
    this.failure = null;
    this.observer.recovered?.();
  }

  /** Puts back, newest first, the entries the pending writes replaced, and re-indexes their twins. */
  private undoPending(): void {
    const touched = new Set<string>();
    for (const [thingId, previous] of this.pending.takeNewestFirst()) {
      this.states.set(thingId, previous);
      touched.add(thingId);
    }
    for (const thingId of touched) {
      const found = this.states.current(thingId);
      this.relations.sync(thingId, found?.thing ?? null);
      if (found) this.index.put(toSearchDocument(found.thing as unknown as Thing, found.meta));
      else this.index.remove(thingId);
    }
  }

  /**
   * Waits for the fault to pass: after `recoveryDelayMs`, once every outstanding commit has been
   * refused, the journal is asked to accept commits again; the next write then tries storage anew.
   */
  private async recover(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.recoveryDelayMs));
      try {
        await this.commits.recover();
        await this.catchUp();
        break;
      } catch {
        // The journal could not be reset yet (e.g. its connection is still down): wait again.
      }
    }
    this.failure = null;
    this.observer.recovered?.();
  }

  /**
   * Takes in what the journal holds beyond the last event this runtime published: a commit whose
   * outcome was unknown, and which did land. Its twins are replayed from the journal (their writes
   * were undone in memory), indexed again, and its events published, so that what is served is
   * what the journal holds.
   */
  private async catchUp(): Promise<void> {
    const landed: TwinEvent[] = [];
    for await (const event of this.journal.readAll({ fromSeq: this.events.position + 1 })) {
      landed.push(event);
    }
    if (landed.length === 0) return;
    const twins = new Set(landed.map((e) => e.thingId));
    for (const thingId of twins) {
      await this.replay(thingId);
      const found = this.states.current(thingId);
      this.relations.sync(thingId, found?.thing ?? null);
      if (found) this.index.put(toSearchDocument(found.thing as unknown as Thing, found.meta));
      else this.index.remove(thingId);
    }
    this.events.publish(landed);
    this.noteDeleted(landed);
  }

  // --- reads ---

  /** The thing and its metadata, or null when it does not exist. */
  /** A twin's current state, without its metadata (nothing is built for it); null when missing. */
  thingOf(thingId: string): JsonObject | null {
    return this.states.thingOf(thingId, this.states.get(thingId));
  }

  getThing(thingId: string): { thing: Thing; meta: ThingMeta } | null {
    return this.states.current(thingId) as { thing: Thing; meta: ThingMeta } | null;
  }

  /** The things with these ids that exist, in the order asked. */
  getMany(thingIds: string[]): { thing: Thing; meta: ThingMeta }[] {
    const result: { thing: Thing; meta: ThingMeta }[] = [];
    for (const id of thingIds) {
      const found = this.getThing(id);
      if (found) result.push(found);
    }
    return result;
  }

  /** Reads a resource, honouring preconditions, a condition and time travel. */
  async read(request: ReadRequest): Promise<ReadResult> {
    const { resource } = request;
    const state = request.at
      ? await this.stateAt(resource.thingId, request.at)
      : this.states.current(resource.thingId);
    if (state === null) {
      if (!request.at) throw errors.thingNotFound(resource.thingId);
      throw errors.historyNotFoundAt(resource.thingId, request.at);
    }
    const view = request.authorize?.(state.thing, state.meta);
    const doc = () => toSearchDocument(state.thing as unknown as Thing, state.meta);
    const value = getAt(state.thing, resource.segments);
    const etag = value === undefined ? null : tagOf(resource, value, state.meta.revision, view);
    checkPreconditions(request.preconditions ?? {}, etag, 'read');
    if (request.condition && !evaluateFilter(request.condition, doc()))
      throw errors.conditionFailed();
    return { value: readResource(state.thing, resource), etag: etag as string, doc };
  }

  // --- time travel ---

  /** A thing as it was at a revision or a timestamp, or null when it did not exist then. */
  stateAt(
    thingId: string,
    at: { revision: number } | { timestamp: number },
  ): Promise<{ thing: JsonObject; meta: ThingMeta } | null> {
    return this.travel.stateAt(thingId, at);
  }

  /**
   * The revision a thing had at `timestamp` (its last event at or before it, a deletion too), or
   * null when it had none yet; what was acknowledged before is read.
   */
  async revisionAt(thingId: string, timestamp: number): Promise<number | null> {
    await this.commits.drain();
    return this.journal.revisionAt(thingId, timestamp);
  }

  /**
   * A twin's state before `fromRevision` (null when it had none) and its events from `fromRevision`
   * to `toRevision`, read from the nearest snapshot on. Waits for the commits under way only when
   * the journal does not hold them all yet (a twin's first write after a restart never does).
   */
  recentHistory(
    thingId: string,
    fromRevision: number,
    toRevision: number,
  ): Promise<{ start: JsonObject | null; events: TwinEvent[] }> {
    return this.travel.recentHistory(thingId, fromRevision, toRevision);
  }

  /** A thing's events in revision order (null when it never existed). */
  history(thingId: string, range: EventRange): Promise<TwinEvent[] | null> {
    return this.travel.history(thingId, range);
  }

  /** The policyId a thing has now, or had when it was deleted (null when it never existed). */
  policyIdOf(thingId: string): Promise<string | null> {
    return this.travel.policyIdOf(thingId);
  }

  /**
   * The revision and creation time (epoch ms) of a twin's current incarnation, or of its last one
   * once deleted, and whether it is live; null when it never existed.
   */
  lifecycleOf(
    thingId: string,
  ): Promise<{ revision: number; created: number; live: boolean } | null> {
    return this.travel.lifecycleOf(thingId);
  }

  // --- writes ---

  /**
   * Applies one write. When the twin is idle and in memory, validation, preconditions and the
   * state change happen synchronously (so writes to one twin apply in order, and errors are
   * thrown); the promise resolves once the event is durable.
   */
  write(request: WriteRequest): Promise<WriteResult> {
    return this.pipeline.write(request);
  }

  /**
   * Applies writes in order (as `write` would, one after another); resolves once all that were
   * applied are durable, to each one's result or a {@link WriteRefusal} with its error. A batch of
   * writes to twins in memory costs one wait for durability, not one per write (ingest).
   */
  writeMany(requests: readonly WriteRequest[]): Promise<(WriteResult | WriteRefusal)[]> {
    return this.pipeline.writeMany(requests);
  }

  // --- search ---

  search(query: SearchQuery): Promise<{ docs: SearchDocument[]; cursor?: string }> {
    return this.finder.search(query);
  }

  count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    return this.finder.count(query);
  }
}
