// The twin runtime: current state in memory, one ordered writer per twin, group-committed journal,
// time travel from snapshots plus events, and search through the index.
import { randomUUID } from 'node:crypto';
import { errors } from '../core/error-registry.js';
import { contentTag, revisionTag, type TagView } from '../core/etag.js';
import type { TwinEvent } from '../core/events.js';
import { assertThingId, isValidNamespace } from '../core/ids.js';
import type { JsonObject, JsonPrimitive, JsonValue } from '../core/json.js';
import { jsonEqual } from '../core/json-equal.js';
import { getAt } from '../core/json-pointer.js';
import { checkPreconditions, type Preconditions } from '../core/preconditions.js';
import { applyChange } from '../core/thing-change.js';
import { planDelete, planMerge, planModify, type PlannedChange } from '../core/thing-commands.js';
import {
  notFoundError,
  readResource,
  resourceOf,
  type ThingResource,
} from '../core/thing-resource.js';
import {
  asSearchDocument,
  isoTime,
  toSearchDocument,
  type SearchDocument,
  type Thing,
  type ThingMeta,
} from '../core/thing.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import type { EventRange, Journal, StoredThing } from '../store/journal.js';
import type { SearchQuery, TwinIndex } from '../store/twin-index.js';
import { CommittedEventStream } from './committed-event-stream.js';
import { GroupCommit } from './group-commit.js';

/** What the runtime reports about its commits (metrics, logs). */
export interface RuntimeObserver {
  committed(events: number, seconds: number): void;
  failed(error: unknown): void;
  /** Writes are accepted again after a storage fault. */
  recovered(): void;
}

/**
 * A twin's current state: its JSON, or its parsed form while it is among the recently used twins
 * (then `json` is null until someone needs it, so a stream of writes does not serialise the whole
 * thing each time). Both are null once the twin is deleted (its revision lives on).
 */
interface TwinEntry {
  json: string | null;
  thing: JsonObject | null;
  revision: number;
  created: number;
  modified: number;
  /** At least the length of the thing's JSON (exact whenever `json` was just serialised). */
  lengthBound: number;
}

/**
 * At most how many characters the keys of `path` add to a thing's JSON when a value is set there:
 * each key quoted and escaped (6 characters per character at worst), a colon, a comma and braces.
 */
function pathLengthBound(path: string[]): number {
  let length = 0;
  for (const key of path) length += 6 * key.length + 6;
  return length;
}

/** A thing (null when absent) and its metadata, as events are applied to it. */
interface Replayed {
  thing: JsonObject | null;
  revision: number;
  created: number;
  modified: number;
}

/** Applies events, in revision order, to a state. */
function applyEvents(start: Replayed, events: TwinEvent[]): Replayed {
  let { thing, revision, created, modified } = start;
  for (const event of events) {
    if (event.action === 'created') created = event.timestamp;
    thing = applyChange(thing, event);
    revision = event.revision;
    modified = event.timestamp;
  }
  return { thing, revision, created, modified };
}

/** A write whose commit failed: nothing of it was stored, and the client may retry. */
function refusedByStorage(error: unknown): never {
  throw errors.storageUnavailable(error instanceof Error ? error.message : String(error), error);
}

const isLive = (entry: TwinEntry | undefined): entry is TwinEntry =>
  entry !== undefined && (entry.thing !== null || entry.json !== null);

/** The thing's JSON, serialised now if only its parsed form is current. */
function jsonOf(entry: TwinEntry): string | null {
  if (entry.json === null && entry.thing !== null) {
    entry.json = JSON.stringify(entry.thing);
    entry.lengthBound = entry.json.length;
  }
  return entry.json;
}

function storedThing(thingId: string, entry: TwinEntry): StoredThing {
  const { revision, created, modified } = entry;
  return { thingId, json: jsonOf(entry), revision, created, modified };
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
  /**
   * After a failed commit, writes are refused for at least this long (ms, default 1000) before
   * they are tried again: time for a passing fault (a full disk, a database restart) to pass.
   */
  recoveryDelayMs?: number;
}

export type WriteKind = 'modify' | 'merge' | 'delete';

export interface WriteRequest {
  kind: WriteKind;
  resource: ThingResource;
  value?: JsonValue;
  preconditions?: Preconditions;
  condition?: FilterNode;
  originator?: string;
  /**
   * Runs synchronously against the current state before anything else (authorisation); returns
   * what of the resource the requester may read when that is not all of it.
   */
  authorize?: (thing: JsonObject | null) => TagView | void;
}

export interface WriteResult {
  created: boolean;
  revision: number;
  /** The entity tag of the resource after the write (none after a delete). */
  etag?: string;
  /** The resource's value after the write (for 201 bodies). */
  value?: JsonValue;
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

export class TwinRuntime {
  private readonly twins = new Map<string, TwinEntry>();
  private liveTwins = 0;
  private indexing: Promise<void> = Promise.resolve();
  /** False while the search index is being built after a load. */
  indexComplete = true;
  /**
   * Twins whose entry holds the parsed thing, in the order they were parsed (first in, first out:
   * moving a twin on every write cost more than re-parsing the few that leave while still in use).
   */
  private readonly parsed = new Set<string>();
  private readonly parsedLimit: number;
  private readonly journal: Journal;
  private readonly index: TwinIndex;
  private readonly commits: GroupCommit;
  /** Largest thing JSON in bytes. */
  readonly maxThingBytes: number;
  private readonly snapshotEvery: number;
  private readonly now: () => number;
  /** Why storage failed, while writes are refused (null when healthy). */
  private failure: Error | null = null;
  private readonly recoveryDelayMs: number;
  private readonly observer: Partial<RuntimeObserver>;
  /**
   * The writes not yet durable, in the order they were applied: the twin and its entry before the
   * write, from `pendingHead` on. A failed commit undoes them all, newest first.
   */
  private pendingIds: string[] = [];
  private pendingPrevious: (TwinEntry | undefined)[] = [];
  private pendingHead = 0;
  /** Every committed event, in commit order, for the consumers that follow the journal. */
  readonly events: CommittedEventStream;

  constructor(options: RuntimeOptions) {
    this.journal = options.journal;
    this.events = new CommittedEventStream(options.journal);
    this.index = options.index;
    this.maxThingBytes = options.maxThingBytes ?? DEFAULT_MAX_THING_BYTES;
    this.snapshotEvery = options.snapshotEvery ?? 100;
    // At least one: the twin being read or written must stay parsed.
    this.parsedLimit = Math.max(1, options.parsedCacheSize ?? 50_000);
    this.now = options.now ?? Date.now;
    this.recoveryDelayMs = options.recoveryDelayMs ?? 1000;
    const observer = options.observer ?? {};
    this.observer = observer;
    this.commits = new GroupCommit(
      this.journal,
      {
        committed: (events, seconds) => {
          this.settlePending(events.length);
          this.events.publish(events);
          observer.committed?.(events.length, seconds);
        },
        failed: (error) => {
          this.storageFailed(error);
          observer.failed?.(error);
        },
      },
      {
        stateOf: (thingId) => storedThing(thingId, this.twins.get(thingId) as TwinEntry),
        checkpointEveryMs: options.checkpointEveryMs,
      },
    );
  }

  /**
   * Loads the current state of every twin: the checkpointed states, then the events of twins that
   * changed after the last checkpoint; resolves to the number of live twins. Reads and writes can
   * be served from then on; the search index is built in the background (see `indexed`), and
   * searches wait for it.
   */
  async load(): Promise<number> {
    this.events.startAt(await this.journal.lastSeq());
    const dirty = await this.journal.dirtyThings();
    await this.journal.loadCurrent((stored) => {
      const { json, revision, created, modified } = stored;
      const lengthBound = json?.length ?? 0;
      if (json !== null) this.liveTwins++;
      this.twins.set(stored.thingId, {
        json,
        thing: null,
        revision,
        created,
        modified,
        lengthBound,
      });
    });
    for (const thingId of dirty) await this.replay(thingId);
    this.indexComplete = false;
    this.indexing = this.buildIndex().then(() => {
      this.indexComplete = true;
    });
    return this.liveTwins;
  }

  /** Resolves once the search index holds every twin loaded at start. */
  get indexed(): Promise<void> {
    return this.indexing;
  }

  /**
   * Indexes every twin, yielding to the event loop between slices. Writes meanwhile index their
   * own twin; a twin visited later is indexed from its latest state, so the result is consistent.
   */
  private async buildIndex(): Promise<void> {
    let n = 0;
    for (const [thingId, entry] of this.twins) {
      // A parsed thing is shared, so it is copied; one parsed here is ours to turn into the document.
      if (entry.thing !== null) {
        this.index.put(toSearchDocument(entry.thing as unknown as Thing, entry));
      } else if (entry.json !== null) {
        const thing = JSON.parse(entry.json) as Thing;
        // The map's own key rather than the parsed copy: the index keeps the id, and the key's
        // hash is already computed.
        thing.thingId = thingId;
        this.index.put(asSearchDocument(thing, entry));
      }
      if (++n % 4096 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Applies the events a twin got after its checkpointed state. */
  private async replay(thingId: string): Promise<void> {
    const entry = this.twins.get(thingId);
    // Loading fills entries from their JSON only, so there is no parsed form to reuse.
    const start: Replayed = {
      thing: entry?.json ? (JSON.parse(entry.json) as JsonObject) : null,
      revision: entry?.revision ?? 0,
      created: entry?.created ?? 0,
      modified: entry?.modified ?? 0,
    };
    const events = await this.journal.readEvents(thingId, { fromRevision: start.revision + 1 });
    const { thing, revision, created, modified } = applyEvents(start, events);
    const json = thing === null ? null : JSON.stringify(thing);
    const lengthBound = json?.length ?? 0;
    this.twins.set(thingId, { json, thing: null, revision, created, modified, lengthBound });
    this.liveTwins += (json === null ? 0 : 1) - (start.thing === null ? 0 : 1);
    // The replayed state becomes the checkpointed one at the next checkpoint.
    if (revision > (entry?.revision ?? 0)) this.commits.markDirty(thingId);
  }

  /** Number of live (not deleted) twins. */
  get size(): number {
    return this.liveTwins;
  }

  /** False while storage fails and writes are refused (until the runtime has recovered). */
  get healthy(): boolean {
    return this.failure === null;
  }

  // --- storage faults ---

  /** The oldest `count` pending writes are durable. */
  private settlePending(count: number): void {
    this.pendingHead += count;
    if (this.pendingHead >= this.pendingIds.length) {
      this.pendingIds = [];
      this.pendingPrevious = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 4096) {
      this.pendingIds = this.pendingIds.slice(this.pendingHead);
      this.pendingPrevious = this.pendingPrevious.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /**
   * A commit failed: every write not yet durable is undone (so no read or search shows what was
   * not acknowledged), writes are refused, and recovery starts.
   */
  private storageFailed(error: unknown): void {
    this.undoPending();
    if (this.failure !== null) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    void this.recover();
  }

  /** Puts back, newest first, the entries the pending writes replaced, and re-indexes their twins. */
  private undoPending(): void {
    const touched = new Set<string>();
    for (let i = this.pendingIds.length - 1; i >= this.pendingHead; i--) {
      const thingId = this.pendingIds[i];
      const previous = this.pendingPrevious[i];
      this.liveTwins += (isLive(previous) ? 1 : 0) - (isLive(this.twins.get(thingId)) ? 1 : 0);
      if (previous === undefined) this.twins.delete(thingId);
      else this.twins.set(thingId, previous);
      touched.add(thingId);
    }
    this.pendingIds = [];
    this.pendingPrevious = [];
    this.pendingHead = 0;
    for (const thingId of touched) {
      const entry = this.twins.get(thingId);
      if (entry?.thing) this.keepParsed(thingId);
      const thing = this.thingOf(thingId, entry);
      if (thing && entry) this.index.put(toSearchDocument(thing as unknown as Thing, entry));
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
        break;
      } catch {
        // The journal could not be reset yet (e.g. its connection is still down): wait again.
      }
    }
    this.failure = null;
    this.observer.recovered?.();
  }

  /** Waits for every queued write to be durable. */
  flush(): Promise<void> {
    return this.commits.drain();
  }

  async close(): Promise<void> {
    await this.commits.drain(true);
    this.events.close();
    await this.journal.close();
  }

  // --- reads ---

  /**
   * The parsed thing of an entry. Recently used twins stay parsed (a bounded set), so that a twin
   * receiving a stream of writes is neither re-parsed nor re-serialised each time. Parsed things
   * are never mutated: every change builds new objects along the changed path.
   */
  private thingOf(thingId: string, entry: TwinEntry | undefined): JsonObject | null {
    if (entry === undefined) return null;
    if (entry.thing === null && entry.json !== null) {
      entry.thing = JSON.parse(entry.json) as JsonObject;
      this.keepParsed(thingId);
    }
    return entry.thing;
  }

  /**
   * Counts a twin among the parsed ones (no change if it is one already). The oldest beyond the
   * limit lets go of its parsed thing, serialising it first when that is its only current form.
   */
  private keepParsed(thingId: string): void {
    this.parsed.add(thingId);
    if (this.parsed.size <= this.parsedLimit) return;
    const oldest = this.parsed.values().next().value as string;
    this.parsed.delete(oldest);
    const entry = this.twins.get(oldest);
    if (entry === undefined) return;
    jsonOf(entry);
    entry.thing = null;
  }

  private metaOf(entry: TwinEntry): ThingMeta {
    return { revision: entry.revision, created: entry.created, modified: entry.modified };
  }

  /** The thing and its metadata, or null when it does not exist. */
  getThing(thingId: string): { thing: Thing; meta: ThingMeta } | null {
    return this.currentState(thingId) as { thing: Thing; meta: ThingMeta } | null;
  }

  /** Reads a resource, honouring preconditions, a condition and time travel. */
  async read(request: ReadRequest): Promise<ReadResult> {
    const { resource } = request;
    const state = request.at
      ? await this.stateAt(resource.thingId, request.at)
      : this.currentState(resource.thingId);
    if (state === null) {
      if (!request.at) throw errors.thingNotFound(resource.thingId);
      throw errors.historyNotFoundAt(resource.thingId, request.at);
    }
    const view = request.authorize?.(state.thing, state.meta);
    const doc = () => toSearchDocument(state.thing as unknown as Thing, state.meta);
    const value = getAt(state.thing, resource.segments);
    const etag =
      value === undefined ? null : this.tagOf(resource, value, state.meta.revision, view);
    checkPreconditions(request.preconditions ?? {}, etag, 'read');
    if (request.condition && !evaluateFilter(request.condition, doc()))
      throw errors.conditionFailed();
    return { value: readResource(state.thing, resource), etag: etag as string, doc };
  }

  private currentState(thingId: string): { thing: JsonObject; meta: ThingMeta } | null {
    const entry = this.twins.get(thingId);
    const thing = this.thingOf(thingId, entry);
    if (!thing || !entry) return null;
    return { thing, meta: this.metaOf(entry) };
  }

  /** The entity tag of a resource; null when the requester may read nothing of it. */
  private tagOf(
    resource: ThingResource,
    value: JsonValue,
    revision: number,
    view: TagView | void,
  ): string | null {
    if (resource.kind === 'thing') return revisionTag(revision);
    const seen = view ? view(value) : value;
    return seen === undefined ? null : contentTag(seen);
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

  // --- time travel ---

  /** A thing as it was at a revision or a timestamp, or null when it did not exist then. */
  async stateAt(
    thingId: string,
    at: { revision: number } | { timestamp: number },
  ): Promise<{ thing: JsonObject; meta: ThingMeta } | null> {
    await this.commits.drain();
    const entry = this.twins.get(thingId);
    if (!entry) return null;
    const revision =
      'revision' in at ? at.revision : await this.journal.revisionAt(thingId, at.timestamp);
    if (revision === null || revision < 1 || revision > entry.revision) return null;
    const snapshot = await this.journal.snapshotAtOrBefore(thingId, revision);
    const from = (snapshot?.revision ?? 0) + 1;
    const events = await this.journal.readEvents(thingId, {
      fromRevision: from,
      toRevision: revision,
    });
    if (from <= revision && (events.length === 0 || events[0].revision !== from)) return null;
    const { thing, created, modified } = applyEvents(
      {
        thing: snapshot?.json ? (JSON.parse(snapshot.json) as JsonObject) : null,
        revision: from - 1,
        created: snapshot?.created ?? 0,
        modified: snapshot?.modified ?? 0,
      },
      events,
    );
    if (thing === null) return null;
    return { thing, meta: { revision, created, modified } };
  }

  /** A thing's events in revision order (null when it never existed). */
  async history(thingId: string, range: EventRange): Promise<TwinEvent[] | null> {
    await this.commits.drain();
    if (!this.twins.has(thingId)) return null;
    return this.journal.readEvents(thingId, range);
  }

  /** The policyId a thing has now, or had when it was deleted (null when it never existed). */
  async policyIdOf(thingId: string): Promise<string | null> {
    const entry = this.twins.get(thingId);
    if (!entry) return null;
    const thing = this.thingOf(thingId, entry);
    if (thing) return thing.policyId as string;
    const last = await this.stateAt(thingId, { revision: entry.revision - 1 });
    return last ? (last.thing.policyId as string) : null;
  }

  /**
   * The revision and creation time (epoch ms) of a twin's current incarnation, or of its last one
   * once deleted, and whether it is live; null when it never existed.
   */
  lifecycleOf(thingId: string): { revision: number; created: number; live: boolean } | null {
    const entry = this.twins.get(thingId);
    if (!entry) return null;
    return { revision: entry.revision, created: entry.created, live: isLive(entry) };
  }

  // --- writes ---

  /**
   * Creates a thing with a generated id `<namespace>:<uuid>`. `prepare` runs once the id is known
   * (e.g. to create its policy) and can authorise the write and undo itself when the write fails.
   */
  async create(
    namespace: string,
    body: JsonValue,
    originator?: string,
    prepare?: (
      thingId: string,
    ) => Promise<{ authorize: (thing: JsonObject | null) => void; rollback: () => Promise<void> }>,
  ): Promise<WriteResult & { thingId: string }> {
    if (!isValidNamespace(namespace)) throw errors.thingIdInvalid(`${namespace}:`);
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'thingId' in body) {
      throw errors.thingIdNotSettablePost();
    }
    const thingId = `${namespace}:${randomUUID()}`;
    const resource = resourceOf(thingId, 'thing');
    const hooks = prepare ? await prepare(thingId) : undefined;
    try {
      const result = await this.write({
        kind: 'modify',
        resource,
        value: body,
        originator,
        authorize: hooks?.authorize,
      });
      return { ...result, thingId };
    } catch (error) {
      await hooks?.rollback();
      throw error;
    }
  }

  /**
   * Applies one write. Validation, preconditions and the state change happen synchronously (so
   * writes to one twin apply in order); the promise resolves once the event is durable.
   */
  write(request: WriteRequest): Promise<WriteResult> {
    if (this.failure !== null) throw errors.storageUnavailable(this.failure.message, this.failure);
    const { resource } = request;
    assertThingId(resource.thingId);
    const entry = this.twins.get(resource.thingId);
    const thing = this.thingOf(resource.thingId, entry);
    const view = request.authorize?.(thing);
    this.checkWritePreconditions(request, entry, thing, view);
    const planned = this.plan(request, thing);
    if (
      request.preconditions?.ifEqual === 'skip' &&
      thing !== null &&
      this.isNoOp(request, thing, planned)
    ) {
      throw errors.equalValueSkipped();
    }
    return this.commit(request, entry, planned, view);
  }

  private plan(request: WriteRequest, thing: JsonObject | null): PlannedChange {
    const { kind, resource, value } = request;
    if (kind === 'delete') return planDelete(thing, resource);
    if (value === undefined)
      throw errors.jsonInvalid('The request body is missing: send a JSON value.');
    return kind === 'merge'
      ? planMerge(thing, resource, value)
      : planModify(thing, resource, value);
  }

  private checkWritePreconditions(
    request: WriteRequest,
    entry: TwinEntry | undefined,
    thing: JsonObject | null,
    view: TagView | void,
  ) {
    const { resource, preconditions, condition } = request;
    if (preconditions?.ifMatch || preconditions?.ifNoneMatch) {
      const current = thing === null ? undefined : getAt(thing, resource.segments);
      const etag =
        current === undefined || !entry
          ? null
          : this.tagOf(resource, current, entry.revision, view);
      checkPreconditions(preconditions, etag, request.kind === 'delete' ? 'delete' : 'write');
    }
    if (condition) {
      if (thing === null || !entry) throw notFoundError(resource, thing);
      if (
        !evaluateFilter(condition, toSearchDocument(thing as unknown as Thing, this.metaOf(entry)))
      ) {
        throw errors.conditionFailed();
      }
    }
  }

  private isNoOp(request: WriteRequest, thing: JsonObject, planned: PlannedChange): boolean {
    if (request.kind === 'delete') return false;
    return jsonEqual(
      getAt(thing, request.resource.segments),
      getAt(planned.next ?? {}, request.resource.segments),
    );
  }

  private commit(
    request: WriteRequest,
    entry: TwinEntry | undefined,
    planned: PlannedChange,
    view: TagView | void,
  ): Promise<WriteResult> {
    const { resource } = request;
    const thingId = resource.thingId;
    const timestamp = this.now();
    const revision = (entry?.revision ?? 0) + 1;
    const next = planned.next;
    const { json, lengthBound } = this.sizeChecked(planned, entry);
    const wasLive = isLive(entry);
    const created = planned.change.action === 'created' || !wasLive ? timestamp : entry.created;
    const updated: TwinEntry = {
      json,
      thing: next,
      revision,
      created,
      modified: timestamp,
      lengthBound,
    };
    this.pendingIds.push(thingId);
    this.pendingPrevious.push(entry);
    this.twins.set(thingId, updated);
    this.liveTwins += (next === null ? 0 : 1) - (wasLive ? 1 : 0);
    if (next === null) {
      this.parsed.delete(thingId);
      this.index.remove(thingId);
    } else {
      this.keepParsed(thingId);
      if (!this.indexScalarChange(thingId, planned, updated))
        this.index.put(toSearchDocument(next as unknown as Thing, updated));
    }
    // A literal, not `{ ...change, thingId }`: V8 takes a slow path (~2 µs) to add keys to a clone.
    const { action, path, value: changeValue } = planned.change;
    const event: TwinEvent = { thingId, revision, timestamp, action, path };
    if (changeValue !== undefined) event.value = changeValue;
    if (request.originator) event.originator = request.originator;
    const value = next === null ? undefined : getAt(next, resource.segments);
    const result: WriteResult = { created: planned.created, revision };
    if (value !== undefined) {
      result.value = value;
      const etag = this.tagOf(resource, value, revision, view);
      if (etag !== null) result.etag = etag;
    }
    const snapshot = revision % this.snapshotEvery === 0 ? storedThing(thingId, updated) : null;
    return this.commits.append(event, snapshot).then(() => result, refusedByStorage);
  }

  /**
   * Throws when the thing after the change would be over the size limit. Serialises the whole
   * thing only when a bound of its length (the last known length plus what the changes since could
   * add) comes near the limit; returns that JSON, if made, and the bound.
   */
  private sizeChecked(
    planned: PlannedChange,
    entry: TwinEntry | undefined,
  ): { json: string | null; lengthBound: number } {
    const { next, change } = planned;
    if (next === null) return { json: null, lengthBound: 0 };
    let bound = Infinity;
    if (change.path.length > 0 && isLive(entry)) {
      const added = change.value === undefined ? 0 : JSON.stringify(change.value).length;
      bound = entry.lengthBound + added + pathLengthBound(change.path);
    }
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (bound <= this.maxThingBytes / 3) return { json: null, lengthBound: bound };
    const json = JSON.stringify(next);
    if (json.length > this.maxThingBytes / 3) {
      const bytes = Buffer.byteLength(json);
      if (bytes > this.maxThingBytes) throw errors.thingTooLarge(bytes, this.maxThingBytes);
    }
    return { json, lengthBound: json.length };
  }

  /** Re-indexes only the changed value when one scalar replaced another (telemetry's usual write). */
  private indexScalarChange(thingId: string, planned: PlannedChange, entry: TwinEntry): boolean {
    const { action, path, value } = planned.change;
    if (action !== 'modified' || path.length === 0 || !this.index.replaceScalar) return false;
    if (value !== null && typeof value === 'object') return false;
    return this.index.replaceScalar(
      thingId,
      path.join('/'),
      value as JsonPrimitive,
      entry.revision,
      isoTime(entry.modified),
    );
  }

  // --- search ---

  async search(query: SearchQuery): Promise<{ docs: SearchDocument[]; cursor?: string }> {
    await this.indexing;
    const page = await this.index.search(query);
    const docs: SearchDocument[] = [];
    for (const id of page.thingIds) {
      const found = this.getThing(id);
      if (found) docs.push(toSearchDocument(found.thing, found.meta));
    }
    return { docs, cursor: page.cursor };
  }

  async count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    await this.indexing;
    return this.index.count(query);
  }
}
