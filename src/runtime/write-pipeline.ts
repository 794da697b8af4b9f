// The write pipeline: a command becomes a plan (one or more changes for one revision), is checked
// against the twin's current state, applied in memory and to the index, and queued for commit.
// Writes to one twin apply in order; a step that must wait (loading a twin let go of from memory)
// waits in the twin's queue, and every later write of that twin waits behind it.
import { combineChanges } from '../core/change-combination.js';
import { errors } from '../core/error-registry.js';
import { hasCode } from '../core/errors.js';
import { contentTag, revisionTag, type TagView } from '../core/etag.js';
import type { TwinEvent } from '../core/events.js';
import { assertThingId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonPrimitive, type JsonValue } from '../core/json.js';
import { jsonEqual } from '../core/json-equal.js';
import { getAt } from '../core/json-pointer.js';
import type { ThingChange } from '../core/thing-change.js';
import {
  applyMetadataCommand,
  metadataOf,
  valuesAt,
  withMetadata,
  type MetadataCommand,
} from '../core/metadata.js';
import { checkPreconditions, type Preconditions } from '../core/preconditions.js';
import { planDelete, planMerge, planModify, type PlannedChange } from '../core/thing-commands.js';
import { notFoundError, type ThingResource } from '../core/thing-resource.js';
import { isoTime, toSearchDocument, type Thing } from '../core/thing.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import type { StoredThing } from '../store/journal.js';
import type { TwinIndex } from '../store/twin-index.js';
import type { PendingWrites } from './pending-writes.js';
import { TwinQueue } from './twin-queue.js';
import { isLive, metaOf, storedThing, type TwinEntry, type TwinStates } from './twin-states.js';

export type WriteKind = 'modify' | 'merge' | 'delete';

export interface WriteRequest {
  kind: WriteKind;
  resource: ThingResource;
  value?: JsonValue;
  preconditions?: Preconditions;
  condition?: FilterNode;
  /**
   * Ditto's `merge-thing-patch-conditions` (merges only): each part of the patch at `path`
   * (relative to the resource) is applied only when its condition holds for the current thing.
   */
  patchConditions?: { path: string[]; condition: FilterNode }[];
  originator?: string;
  /** Custom acknowledgements the event asks its live subscribers for (see {@link TwinEvent}). */
  ackRequest?: TwinEvent['ackRequest'];
  /** When the values written were observed (ingest), for the series (see {@link TwinEvent}). */
  observedAt?: number;
  /** `put-metadata` or `delete-metadata`: what the write does to the thing's metadata. */
  metadata?: MetadataCommand;
  /**
   * Runs synchronously against the current state before anything else (authorisation); returns
   * what of the resource the requester may read when that is not all of it.
   */
  authorize?: (thing: JsonObject | null) => TagView | void;
  /**
   * Steps of this request alone, run before the pipeline's own: changes they return join the
   * request's change in the same revision (ingest sets several values in one revision this way).
   */
  steps?: PlanStep[];
}

export interface WriteResult {
  created: boolean;
  revision: number;
  /** The entity tag of the resource after the write (none after a delete). */
  etag?: string;
  /** The resource's value after the write (for 201 bodies). */
  value?: JsonValue;
}

/**
 * A step that adds changes to a plan, in the same revision, from the thing before and after the
 * changes planned so far (derived values, for instance). Returns the changes to add, if any.
 */
export type PlanStep = (
  thingId: string,
  before: JsonObject | null,
  after: JsonObject | null,
  context: PlanContext,
) => PlanAddition | void;

/** The changes a {@link PlanStep} adds, in order, and the thing once they are applied. */
export interface PlanAddition {
  changes: ThingChange[];
  next: JsonObject;
}

/** What a {@link PlanStep} may know of the write besides the thing before and after. */
export interface PlanContext {
  request: WriteRequest;
  /** The changes planned so far for this revision (the request's own first). */
  changes: readonly ThingChange[];
  /** The revision they will be journaled with. */
  revision: number;
  /**
   * The thing before, when the step's `after` was made from it by a change that built every
   * object it changed afresh (see {@link PlannedChange.madeAfresh}) and no step has changed it
   * since: the step may then edit those objects in place. Undefined otherwise.
   */
  madeFrom?: JsonObject;
  /** The pipeline's clock now (epoch ms). */
  now: number;
}

/** What the pipeline works with; the runtime owns each of them. */
export interface PipelineParts {
  states: TwinStates;
  index: TwinIndex;
  pending: PendingWrites;
  /** Queues an event (and a snapshot) for the next group commit; resolves once durable. */
  append(event: TwinEvent, snapshot: StoredThing | null): Promise<void>;
  /** Why writes are refused now (storage failing), or null. */
  refusal(): Error | null;
  /**
   * True when the twin may have been let go of from memory: its state must then be loaded (see
   * `load`) before a write applies.
   */
  mayBeEvicted(thingId: string): boolean;
  /** Loads a twin let go of from memory back into `states`. */
  load(thingId: string): Promise<void>;
  /**
   * What a write of the twin must wait for before it applies (null: nothing), asked on every write
   * with the twin's current state and revision: its behaviour state rebuilt after a restart.
   */
  prepare?(thingId: string, thing: JsonObject | null, revision: number): Promise<void> | null;
  /** The stored form of a commit failure, for the writer. */
  refusedByStorage(error: unknown): never;
  /**
   * Called with a twin's state before and after a write applied to it (null when absent or once
   * deleted), for the projections kept in memory.
   */
  applied?(thingId: string, before: JsonObject | null, after: JsonObject | null): void;
  now: () => number;
  maxThingBytes: number;
  snapshotEvery: number;
  steps: PlanStep[];
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

/** The longest JSON of a number: `-1.2345678901234567e-308`. */
const MAX_NUMBER_LENGTH = 24;

/**
 * At most how many characters `value`'s JSON has, without serialising it: a string's characters
 * 6 each (as if every one were escaped), a number 24, keys like path keys, a comma per member.
 */
function jsonLengthBound(value: JsonValue): number {
  if (value === null) return 4;
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return MAX_NUMBER_LENGTH;
    case 'boolean':
      return 5;
  }
  let length = 2;
  if (Array.isArray(value)) {
    for (const item of value) length += jsonLengthBound(item) + 1;
    return length;
  }
  for (const key in value) length += 6 * key.length + 4 + jsonLengthBound(value[key]);
  return length;
}

/** Most leaves a merge may have for its values to be re-indexed one by one. */
const MAX_SCALAR_LEAVES = 16;

/** Paths built lately by {@link joinedPath}, by prefix then key (a stream repeats a few). */
const joined = new Map<string, Map<string, string>>();
const MAX_JOINED = 4096;
let joinedCount = 0;

/**
 * `prefix/key` (`key` when the prefix is empty), the same string each time for the same parts: the
 * index looks paths up by string, and a string built anew must be hashed anew.
 */
function joinedPath(prefix: string, key: string): string {
  let byKey = joined.get(prefix);
  if (byKey === undefined) {
    byKey = new Map();
    joined.set(prefix, byKey);
  }
  let path = byKey.get(key);
  if (path === undefined) {
    if (joinedCount >= MAX_JOINED) {
      joined.clear();
      joinedCount = 0;
    }
    path = prefix === '' ? key : `${prefix}/${key}`;
    byKey.set(key, path);
    joinedCount++;
  }
  return path;
}

/** The ISO time of the last timestamp asked for (writes of one batch share their millisecond). */
let lastTime = Number.NaN;
let lastIso = '';
function isoTimeOf(timestamp: number): string {
  if (timestamp !== lastTime) {
    lastIso = isoTime(timestamp);
    lastTime = timestamp;
  }
  return lastIso;
}

/**
 * Collects the leaves of a merge patch as `a/b` paths when every leaf is a non-null scalar (a
 * null deletes, an array or `{}` is no scalar) and there are few; false otherwise.
 */
function scalarLeaves(
  patch: JsonValue | undefined,
  prefix: string,
  into: [string, JsonPrimitive][],
): boolean {
  if (patch === null || patch === undefined || typeof patch !== 'object' || Array.isArray(patch))
    return false;
  for (const key in patch) {
    const value = patch[key];
    const path = joinedPath(prefix, key);
    if (value === null || Array.isArray(value)) return false;
    if (typeof value === 'object') {
      if (Object.keys(value).length === 0 || !scalarLeaves(value, path, into)) return false;
    } else {
      if (into.length === MAX_SCALAR_LEAVES) return false;
      into.push([path, value]);
    }
  }
  return true;
}

/**
 * `if-equal: skip-minimizing-merge`: a merge journals only the members it changes (Ditto 3.4).
 * The thing after the change is the same; a difference a merge patch cannot express (a value set
 * to `null`) keeps the patch as sent.
 */
function minimizedMerge(thing: JsonObject, planned: PlannedChange): PlannedChange {
  const { change, next } = planned;
  if (change.action !== 'merged' || next === null) return planned;
  const diff = mergeDiff(getAt(thing, change.path), getAt(next, change.path));
  if (diff === undefined) return planned;
  return { ...planned, change: { ...change, value: diff } };
}

/** The merge patch that turns `before` into `after`; undefined when none can. */
function mergeDiff(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): JsonValue | undefined {
  if (after === undefined) return null;
  if (after === null) return undefined;
  if (!isJsonObject(after)) return after;
  const base: JsonObject = isJsonObject(before) ? before : {};
  const patch: JsonObject = {};
  for (const key of Object.keys(base)) if (!Object.hasOwn(after, key)) patch[key] = null;
  for (const [key, value] of Object.entries(after)) {
    if (Object.hasOwn(base, key) && jsonEqual(base[key], value)) continue;
    const part = mergeDiff(Object.hasOwn(base, key) ? base[key] : undefined, value);
    if (part === undefined) return undefined;
    patch[key] = part;
  }
  return patch;
}

/** `object` without the member at `path` (copies only the objects on the way). */
function withoutPath(object: JsonObject, path: string[]): JsonObject {
  const [head, ...rest] = path;
  const copy = { ...object };
  const child = copy[head];
  if (rest.length === 0) delete copy[head];
  else if (isJsonObject(child)) copy[head] = withoutPath(child, rest);
  return copy;
}

/** The entity tag of a resource; null when the requester may read nothing of it. */
export function tagOf(
  resource: ThingResource,
  value: JsonValue,
  revision: number,
  view: TagView | void,
): string | null {
  if (resource.kind === 'thing') return revisionTag(revision);
  const seen = view ? view(value) : value;
  return seen === undefined ? null : contentTag(seen);
}

/** A write of {@link WritePipeline.writeMany} that was refused, with why. */
export class WriteRefusal {
  constructor(readonly error: unknown) {}
}

export class WritePipeline {
  private readonly queue = new TwinQueue();

  constructor(private readonly parts: PipelineParts) {}

  /** True while a write of this twin waits in its queue. */
  busy(thingId: string): boolean {
    return this.queue.busy(thingId);
  }

  /**
   * Applies one write. When the twin is idle and in memory, validation, preconditions and the
   * state change happen synchronously (errors are thrown, not rejected); the promise resolves once
   * the event is durable.
   */
  write(request: WriteRequest): Promise<WriteResult> {
    const { thingId } = request.resource;
    assertThingId(thingId);
    const { states } = this.parts;
    if (
      !this.queue.busy(thingId) &&
      (states.has(thingId) || !this.parts.mayBeEvicted(thingId)) &&
      this.preparing(thingId) === null
    ) {
      return this.apply(request);
    }
    return this.queue
      .run(thingId, async () => {
        if (!states.has(thingId)) await this.parts.load(thingId);
        const preparing = this.preparing(thingId);
        if (preparing !== null)
          await preparing.catch((error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            throw errors.storageUnavailable(message, error);
          });
        // Not awaited: the next write of this twin applies without waiting for this one's commit.
        return { durable: this.apply(request) };
      })
      .then((applied) => applied.durable);
  }

  /** What a write of the twin must wait for now (see {@link PipelineParts.prepare}), or null. */
  private preparing(thingId: string): Promise<void> | null {
    const { prepare } = this.parts;
    if (prepare === undefined) return null;
    const { states } = this.parts;
    const entry = states.get(thingId);
    return prepare(thingId, states.thingOf(thingId, entry), entry?.revision ?? 0);
  }

  /**
   * Applies writes in order, as `write` would one after another, and resolves once every one
   * applied is durable: to each one's result, or to a {@link WriteRefusal} with its error. Writes
   * of twins idle and in memory apply synchronously and share the durability of the batch they
   * joined, so a batch of them costs one wait, not one promise chain each.
   */
  writeMany(requests: readonly WriteRequest[]): Promise<(WriteResult | WriteRefusal)[]> {
    const outcomes: (WriteResult | WriteRefusal)[] = new Array(requests.length);
    const waits: Promise<void>[] = [];
    let durable: Promise<void> | null = null;
    let group: number[] = [];
    const closeGroup = () => {
      if (durable === null) return;
      const members = group;
      waits.push(
        durable.then(undefined, (error: unknown) => {
          const refusal = this.refusalOf(error);
          for (const i of members) outcomes[i] = refusal;
        }),
      );
    };
    const { states } = this.parts;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i];
      try {
        const { thingId } = request.resource;
        assertThingId(thingId);
        if (
          this.queue.busy(thingId) ||
          (!states.has(thingId) && this.parts.mayBeEvicted(thingId)) ||
          this.preparing(thingId) !== null
        ) {
          waits.push(
            this.write(request).then(
              (result) => void (outcomes[i] = result),
              (error: unknown) => void (outcomes[i] = new WriteRefusal(error)),
            ),
          );
          continue;
        }
        const applied = this.applyNow(request);
        outcomes[i] = applied.result;
        if (applied.durable !== durable) {
          closeGroup();
          durable = applied.durable;
          group = [];
        }
        group.push(i);
      } catch (error) {
        outcomes[i] = new WriteRefusal(error);
      }
    }
    closeGroup();
    return Promise.all(waits).then(() => outcomes);
  }

  /** The refusal a write gets when the commit it joined failed. */
  private refusalOf(error: unknown): WriteRefusal {
    try {
      return this.parts.refusedByStorage(error);
    } catch (refused) {
      return new WriteRefusal(refused);
    }
  }

  /** Plans, checks and applies a write to the twin's state in memory; resolves once durable. */
  private apply(request: WriteRequest): Promise<WriteResult> {
    const { result, durable } = this.applyNow(request);
    return durable.then(() => result, this.parts.refusedByStorage);
  }

  /**
   * Plans, checks and applies a write to the twin's state in memory (throws when it is refused);
   * returns its result and the promise of the commit it joined.
   */
  private applyNow(request: WriteRequest): { result: WriteResult; durable: Promise<void> } {
    const refusal = this.parts.refusal();
    if (refusal !== null) throw errors.storageUnavailable(refusal.message, refusal);
    const { states } = this.parts;
    const { thingId } = request.resource;
    const entry = states.get(thingId);
    const thing = states.thingOf(thingId, entry);
    const view = this.authorized(request, thing);
    this.checkPreconditions(request, entry, thing, view);
    if (request.patchConditions && request.kind === 'merge')
      request = { ...request, value: this.conditionedPatch(request, entry, thing) };
    // One reading of the clock per write: the behaviour's event time (without an observation
    // time) is then the journaled timestamp, which is what a replay of the journal uses.
    const now = this.parts.now();
    let planned = this.plan(request, thing, (entry?.revision ?? 0) + 1, now);
    const ifEqual = request.preconditions?.ifEqual;
    if (ifEqual !== undefined && ifEqual !== 'update' && thing !== null && entry) {
      if (this.isNoOp(request, thing, planned)) {
        const current = getAt(thing, request.resource.segments);
        const etag =
          current === undefined ? null : tagOf(request.resource, current, entry.revision, view);
        throw errors.equalValueSkipped().withEtag(etag);
      }
      if (ifEqual === 'skip-minimizing-merge') planned = minimizedMerge(thing, planned);
    }
    return this.commit(request, entry, thing, planned, view, now);
  }

  /**
   * Runs the request's authorisation. A thing the requester may not know of is answered as a
   * missing one would be, preconditions included: If-Match on a thing-level write is a 412, as on
   * a missing thing, so that the answer does not tell a stranger which ids exist.
   */
  private authorized(request: WriteRequest, thing: JsonObject | null): TagView | void {
    try {
      return request.authorize?.(thing);
    } catch (error) {
      // Only the thing itself: a sub-resource of a missing thing is a 404 before If-Match.
      const whole = request.resource.kind === 'thing';
      if (
        whole &&
        thing !== null &&
        hasCode(error, 'things:thing.notfound') &&
        request.preconditions
      ) {
        checkPreconditions(
          request.preconditions,
          null,
          request.kind === 'delete' ? 'delete' : 'write',
        );
      }
      throw error;
    }
  }

  /** The change the request asks for, plus what the plan steps add, as one change. */
  private plan(
    request: WriteRequest,
    thing: JsonObject | null,
    revision: number,
    now: number,
  ): PlannedChange {
    const { kind, resource, value } = request;
    let planned: PlannedChange;
    if (kind === 'delete') planned = planDelete(thing, resource);
    else if (value === undefined)
      throw errors.jsonInvalid('The request body is missing: send a JSON value.');
    else
      planned =
        kind === 'merge' ? planMerge(thing, resource, value) : planModify(thing, resource, value);
    if (request.metadata) planned = this.withMetadata(thing, planned, request, request.metadata);
    const steps = request.steps ? [...request.steps, ...this.parts.steps] : this.parts.steps;
    if (steps.length === 0) return planned;
    const changes = [planned.change];
    let next = planned.next;
    const madeFrom = planned.madeAfresh === true && thing !== null ? thing : undefined;
    const context: PlanContext = { request, changes, revision, now, madeFrom };
    for (const step of steps) {
      const added = step(resource.thingId, thing, next, context);
      if (!added || added.changes.length === 0) continue;
      for (const change of added.changes) changes.push(change);
      next = added.next;
      context.madeFrom = undefined;
    }
    return changes.length === 1 ? planned : combineChanges(thing, changes, next, planned.created);
  }

  /**
   * The planned change with the request's metadata command applied: one change of the whole thing
   * (its values and its `_metadata`), journaled as such so that history and replay carry it.
   */
  private withMetadata(
    thing: JsonObject | null,
    planned: PlannedChange,
    request: WriteRequest,
    command: MetadataCommand,
  ): PlannedChange {
    const { next } = planned;
    if (next === null) return planned;
    const { resource, value } = request;
    // Wildcards expand over what the request wrote; at the root, over the thing's values.
    const written =
      resource.kind === 'thing' && isJsonObject(value)
        ? { attributes: value.attributes ?? null, features: value.features ?? null }
        : value;
    const tree = applyMetadataCommand(
      metadataOf(next),
      resource.segments,
      command,
      written,
      valuesAt(next, resource.segments),
    );
    const updated = withMetadata(next, tree);
    const action = thing === null ? 'created' : 'modified';
    return {
      change: { action, path: [], value: updated },
      next: updated,
      created: planned.created,
    };
  }

  private checkPreconditions(
    request: WriteRequest,
    entry: TwinEntry | undefined,
    thing: JsonObject | null,
    view: TagView | void,
  ): void {
    const { resource, preconditions, condition } = request;
    if (preconditions?.ifMatch || preconditions?.ifNoneMatch) {
      const current = thing === null ? undefined : getAt(thing, resource.segments);
      const etag =
        current === undefined || !entry ? null : tagOf(resource, current, entry.revision, view);
      checkPreconditions(preconditions, etag, request.kind === 'delete' ? 'delete' : 'write');
    }
    if (condition) {
      if (thing === null || !entry) throw notFoundError(resource, thing);
      if (!evaluateFilter(condition, toSearchDocument(thing as unknown as Thing, metaOf(entry)))) {
        throw errors.conditionFailed();
      }
    }
  }

  /** The patch without the parts whose `merge-thing-patch-conditions` do not hold. */
  private conditionedPatch(
    request: WriteRequest,
    entry: TwinEntry | undefined,
    thing: JsonObject | null,
  ): JsonValue | undefined {
    const { value, patchConditions = [] } = request;
    if (!isJsonObject(value)) return value;
    // A merge that creates the thing is judged against an empty one.
    const doc =
      thing !== null && entry
        ? toSearchDocument(thing as unknown as Thing, metaOf(entry))
        : ({ thingId: request.resource.thingId } as unknown as ReturnType<typeof toSearchDocument>);
    let patch: JsonObject = value;
    for (const { path, condition } of patchConditions) {
      if (path.length === 0 || getAt(patch, path) === undefined) continue;
      if (evaluateFilter(condition, doc)) continue;
      patch = withoutPath(patch, path);
    }
    return patch;
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
    before: JsonObject | null,
    planned: PlannedChange,
    view: TagView | void,
    timestamp: number,
  ): { result: WriteResult; durable: Promise<void> } {
    const { states, index, pending } = this.parts;
    const { resource } = request;
    const thingId = resource.thingId;
    const revision = (entry?.revision ?? 0) + 1;
    const next = planned.next;
    const { json, lengthBound } = this.sizeChecked(planned, entry);
    const created =
      planned.change.action === 'created' || !isLive(entry) ? timestamp : entry.created;
    const updated: TwinEntry = {
      json,
      thing: next,
      revision,
      created,
      modified: timestamp,
      lengthBound,
    };
    pending.record(thingId, entry);
    states.set(thingId, updated);
    this.parts.applied?.(thingId, before, next);
    if (next === null) index.remove(thingId);
    else if (!this.indexScalarChange(thingId, planned, updated)) {
      index.put(toSearchDocument(next as unknown as Thing, updated));
    }
    // A literal, not `{ ...change, thingId }`: V8 takes a slow path (~2 µs) to add keys to a clone.
    const { action, path, value: changeValue } = planned.change;
    const event: TwinEvent = { thingId, revision, timestamp, action, path };
    if (changeValue !== undefined) event.value = changeValue;
    if (request.originator) event.originator = request.originator;
    if (request.ackRequest) event.ackRequest = request.ackRequest;
    if (request.observedAt !== undefined) event.observedAt = request.observedAt;
    const value = next === null ? undefined : getAt(next, resource.segments);
    const result: WriteResult = { created: planned.created, revision };
    if (value !== undefined) {
      result.value = value;
      const etag = tagOf(resource, value, revision, view);
      if (etag !== null) result.etag = etag;
    }
    const snapshot =
      revision % this.parts.snapshotEvery === 0 ? storedThing(thingId, updated) : null;
    return { result, durable: this.parts.append(event, snapshot) };
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
    const max = this.parts.maxThingBytes;
    if (next === null) return { json: null, lengthBound: 0 };
    let bound = Infinity;
    // A merge patch adds at most its own JSON to the thing's (every key and value it sets, with a
    // comma or brace per key), so its bound needs no serialising of the whole thing, nor of the
    // patch: a bound of the patch's length will do.
    if ((change.path.length > 0 || change.action === 'merged') && isLive(entry)) {
      const added = change.value === undefined ? 0 : jsonLengthBound(change.value);
      bound = entry.lengthBound + added + pathLengthBound(change.path);
    }
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (bound <= max / 3) return { json: null, lengthBound: bound };
    const json = JSON.stringify(next);
    if (json.length > max / 3) {
      const bytes = Buffer.byteLength(json);
      if (bytes > max) throw errors.thingTooLarge(bytes, max);
    }
    return { json, lengthBound: json.length };
  }

  /**
   * Re-indexes only the changed values when scalars replaced scalars (telemetry's usual write):
   * one modified scalar, or a merge patch of a few scalars (ingest).
   */
  private indexScalarChange(thingId: string, planned: PlannedChange, entry: TwinEntry): boolean {
    const { index } = this.parts;
    const { action, path, value } = planned.change;
    if (!index.replaceScalar) return false;
    if (action === 'merged') {
      const leaves: [string, JsonPrimitive][] = [];
      const prefix = path.length === 0 ? '' : path.join('/');
      if (!scalarLeaves(value, prefix, leaves) || leaves.length === 0) return false;
      const modified = isoTimeOf(entry.modified);
      if (index.replaceScalars)
        return index.replaceScalars(thingId, leaves, entry.revision, modified);
      // A leaf that cannot be replaced in place leaves the rest to the full re-index after it.
      for (const [leaf, scalar] of leaves)
        if (!index.replaceScalar(thingId, leaf, scalar, entry.revision, modified)) return false;
      return true;
    }
    if (action !== 'modified' || path.length === 0) return false;
    if (value !== null && typeof value === 'object') return false;
    return index.replaceScalar(
      thingId,
      path.join('/'),
      value as JsonPrimitive,
      entry.revision,
      isoTimeOf(entry.modified),
    );
  }
}
