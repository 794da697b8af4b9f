// Applies observation sets to twins through the runtime: one revision per set, with the spec owner's rights.
import type { Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { assertKeysDeep } from '../core/ids.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { applyChange, type ThingChange } from '../core/thing-change.js';
import { resourceOf } from '../core/thing-resource.js';
import { validateDepthAt, validateJsonValue } from '../core/thing-validation.js';
import {
  WriteRefusal,
  type TwinRuntime,
  type WriteRequest,
  type WriteResult,
} from '../runtime/twin-runtime.js';
import type { ThingCreation } from '../services/thing-creation.js';
import type { SeriesPoint } from '../store/series-store.js';
import type { CompiledSpec, Observation } from './spec.js';
import { LatestObservations } from './latest-observations.js';

/** Sets `value` at `segments` in a merge patch under construction. */
function patchAt(patch: JsonObject, segments: string[], value: JsonValue): void {
  let node = patch;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i];
    let child = node[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      child = {};
      node[key] = child;
    }
    node = child as JsonObject;
  }
  node[segments[segments.length - 1]] = value;
}

/** Segments of a spec target pointer (validated when the spec was compiled). */
function segmentsOf(spec: CompiledSpec, pointer: string): string[] {
  for (const value of spec.values) if (value.pointer === pointer) return value.segments;
  throw new Error(`no value ${pointer} in spec ${spec.specId}`);
}

/** True when every value is a scalar other than null. */
function allScalars(values: Observation['values']): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i][1];
    if (value === null || typeof value === 'object') return false;
  }
  return true;
}

/**
 * The write of one observation set. Scalars and arrays go into one merge patch (the journal's
 * compact form); `null` and objects must replace what is there, which a merge patch cannot say,
 * so they are set by a plan step in the same revision. `auth` holds every leaf, for the check.
 */
function planOf(spec: CompiledSpec, observation: Observation) {
  const patch: JsonObject = {};
  const replaced: [string[], JsonValue][] = [];
  // Telemetry's usual set, scalars only: the patch holds every leaf, and is what is checked.
  if (allScalars(observation.values)) {
    for (const [pointer, value] of observation.values)
      patchAt(patch, segmentsOf(spec, pointer), value);
    return { patch, auth: patch, replaced };
  }
  const auth: JsonObject = {};
  for (const [pointer, value] of observation.values) {
    const segments = segmentsOf(spec, pointer);
    patchAt(auth, segments, value === null || typeof value !== 'object' ? value : {});
    if (value === null || (typeof value === 'object' && !Array.isArray(value)))
      replaced.push([segments, value]);
    else patchAt(patch, segments, value);
  }
  return { patch, auth, replaced };
}

function replacing(replaced: [string[], JsonValue][]) {
  return (_thingId: string, _before: JsonObject | null, after: JsonObject | null) => {
    const changes: ThingChange[] = [];
    let next = after ?? {};
    for (const [segments, value] of replaced) {
      const depth = validateJsonValue(value);
      validateDepthAt(segments, depth);
      assertKeysDeep(value);
      const change = { action: 'modified' as const, path: segments, value };
      next = applyChange(next, change) as JsonObject;
      changes.push(change);
    }
    return { changes, next };
  };
}

/** Where values observed before the twin's current ones go: the series, not the twin. */
export interface LateValues {
  /** Keeps the points; resolves once durable; rejects with the Ditto error of a refusal. */
  keep(points: readonly SeriesPoint[]): Promise<void>;
  /**
   * The time of the latest point of each series of these twins (thingId -> pointer -> ms): what
   * their properties hold as far as the series know (after a restart this process wrote nothing).
   */
  latestOf?(thingIds: readonly string[]): Promise<Map<string, Map<string, number>>>;
}

/** Twins whose series' latest times were learnt, at most; past this many they are learnt again. */
const MAX_SEEDED = 1_000_000;

/**
 * Writes observation sets; creations of one twin wait for each other, in order. With a spec that
 * takes its timestamps from the payload, each write carries the observation time, and a value
 * observed before the one the twin holds (a late observation) is kept in its series only.
 */
export class ObservationWriter {
  /** Twins being created by ingest: later sets for them wait, in order, behind the creation. */
  private readonly creating = new Map<string, Promise<unknown>>();
  private readonly latest = new LatestObservations();
  /** Twins whose latest observation times were learnt from their series. */
  private readonly seeded = new Set<string>();
  /**
   * While calls wait for twins' times to be learnt, the last of them: every later call queues
   * behind it, so sets are applied in the order they came.
   */
  private tail: Promise<void> | null = null;

  constructor(
    private readonly runtime: TwinRuntime,
    private readonly creation: ThingCreation,
    private readonly guard: ThingGuard,
    private readonly late: LateValues | null = null,
  ) {}

  /**
   * The part of a set the twin takes (null when none): with its own time, values observed before
   * the latest the twin took at their pointer are left out, and pushed to `latePoints` as points.
   */
  private current(
    spec: CompiledSpec,
    observation: Observation,
    latePoints: SeriesPoint[],
  ): Observation | null {
    if (spec.timestamp === null || this.late === null) return observation;
    const { thingId, timestamp } = observation;
    let kept: Observation['values'] | null = null;
    const values = observation.values;
    const latest = this.latest.of(thingId);
    for (let i = 0; i < values.length; i++) {
      const [pointer, value] = values[i];
      if (latest.isLate(pointer, timestamp)) {
        kept ??= values.slice(0, i);
        // Only scalars make points; a late object or null has no series and changes nothing.
        if (value !== null && typeof value !== 'object')
          latePoints.push({ thingId, pointer, t: timestamp, value });
        continue;
      }
      latest.observe(pointer, timestamp);
      kept?.push(values[i]);
    }
    if (kept === null) return observation;
    return kept.length === 0 ? null : { ...observation, values: kept };
  }

  /** True when a set of this spec for this twin must first learn the twin's latest times. */
  private needsSeed(spec: CompiledSpec, thingId: string): boolean {
    return (
      spec.timestamp !== null && this.late?.latestOf !== undefined && !this.seeded.has(thingId)
    );
  }

  /** Learns the latest observation time of each property of these twins from their series. */
  private async seed(thingIds: string[]): Promise<void> {
    try {
      const times =
        (await this.late?.latestOf?.(thingIds)) ?? new Map<string, Map<string, number>>();
      for (const [thingId, pointers] of times)
        for (const [pointer, t] of pointers) this.latest.observeIfNewer(thingId, pointer, t);
    } catch {
      // Without the series' times, observations are judged on what this process writes.
    }
    if (this.seeded.size + thingIds.length >= MAX_SEEDED) this.seeded.clear();
    for (const thingId of thingIds) this.seeded.add(thingId);
  }

  /**
   * Runs `run` once the twins of `thingIds` that need it have learnt their latest times, after
   * every call queued before it was started: sets are applied in the order they came.
   */
  private queued<T>(
    spec: CompiledSpec,
    thingIds: Iterable<string>,
    run: () => Promise<T>,
  ): Promise<T> {
    const previous = this.tail ?? Promise.resolve();
    let result: Promise<T> | undefined;
    const started = previous.then(async () => {
      const unseen = [...new Set(thingIds)].filter((thingId) => this.needsSeed(spec, thingId));
      if (unseen.length > 0) await this.seed(unseen);
      result = run();
    });
    this.tail = started;
    void started.then(() => {
      if (this.tail === started) this.tail = null;
    });
    return started.then(() => result as Promise<T>);
  }

  /** Keeps late points (none: at once). */
  private keepLate(points: SeriesPoint[]): Promise<void> {
    return points.length === 0 || this.late === null ? Promise.resolve() : this.late.keep(points);
  }

  /**
   * Applies one observation set as `owner`; resolves once durable, with null when there was
   * nothing to write. Rejects with the Ditto error of the write (a dead letter's reason).
   */
  write(owner: Identity, spec: CompiledSpec, whole: Observation): Promise<WriteResult | null> {
    if (whole.values.length === 0) return Promise.resolve(null);
    if (this.tail !== null || this.needsSeed(spec, whole.thingId))
      return this.queued(spec, [whole.thingId], () => this.writeNow(owner, spec, whole));
    return this.writeNow(owner, spec, whole);
  }

  private writeNow(
    owner: Identity,
    spec: CompiledSpec,
    whole: Observation,
  ): Promise<WriteResult | null> {
    const latePoints: SeriesPoint[] = [];
    const observation = this.current(spec, whole, latePoints);
    if (latePoints.length === 0)
      return observation === null
        ? Promise.resolve(null)
        : this.writeCurrent(owner, spec, observation);
    const late = this.keepLate(latePoints);
    if (observation === null) return late.then(() => null);
    return Promise.all([this.writeCurrent(owner, spec, observation), late]).then(
      ([result]) => result,
    );
  }

  private writeCurrent(
    owner: Identity,
    spec: CompiledSpec,
    observation: Observation,
  ): Promise<WriteResult | null> {
    const { thingId } = observation;
    const waiting = this.creating.get(thingId);
    if (waiting !== undefined) {
      const next = waiting.then(
        () => this.apply(owner, spec, observation),
        () => this.apply(owner, spec, observation),
      );
      this.track(thingId, next);
      return next;
    }
    if (spec.create !== null && this.runtime.getThing(thingId) === null) {
      const created = this.create(owner, spec, observation);
      this.track(thingId, created);
      return created;
    }
    try {
      return this.apply(owner, spec, observation);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Applies observation sets in order as `owner`, as `write` would one after another; resolves
   * once the accepted ones are durable, to the errors of those refused, by position. Sets of
   * twins that exist and are idle are applied together, synchronously, and wait for durability
   * once (each set still is one event with its own revision).
   */
  writeMany(
    owner: Identity,
    spec: CompiledSpec,
    observations: readonly Observation[],
  ): Promise<Map<number, unknown>> {
    const thingIds = observations.map((o) => o.thingId);
    if (this.tail !== null || thingIds.some((thingId) => this.needsSeed(spec, thingId)))
      return this.queued(spec, thingIds, () => this.writeManyNow(owner, spec, observations));
    return this.writeManyNow(owner, spec, observations);
  }

  private async writeManyNow(
    owner: Identity,
    spec: CompiledSpec,
    observations: readonly Observation[],
  ): Promise<Map<number, unknown>> {
    const failures = new Map<number, unknown>();
    const waits: Promise<void>[] = [];
    let requests: WriteRequest[] = [];
    let positions: number[] = [];
    const flush = () => {
      if (requests.length === 0) return;
      const at = positions;
      waits.push(
        this.runtime.writeMany(requests).then((outcomes) => {
          for (let k = 0; k < outcomes.length; k++) {
            const outcome = outcomes[k];
            if (outcome instanceof WriteRefusal) failures.set(at[k], outcome.error);
          }
        }),
      );
      requests = [];
      positions = [];
    };
    for (let i = 0; i < observations.length; i++) {
      if (observations[i].values.length === 0) continue;
      const latePoints: SeriesPoint[] = [];
      const observation = this.current(spec, observations[i], latePoints);
      if (latePoints.length > 0)
        waits.push(
          this.keepLate(latePoints).catch((error: unknown) => void failures.set(i, error)),
        );
      if (observation === null) continue;
      const { thingId } = observation;
      if (
        this.creating.has(thingId) ||
        (spec.create !== null && this.runtime.getThing(thingId) === null)
      ) {
        // A creation (or a set waiting behind one) goes alone; what was gathered goes first.
        flush();
        waits.push(
          this.writeCurrent(owner, spec, observation).then(
            () => undefined,
            (error: unknown) => void failures.set(i, error),
          ),
        );
        continue;
      }
      try {
        requests.push(this.requestOf(owner, spec, observation));
        positions.push(i);
      } catch (error) {
        failures.set(i, error);
      }
    }
    flush();
    await Promise.all(waits);
    return failures;
  }

  private track(thingId: string, job: Promise<unknown>): void {
    const settled = job.then(
      () => undefined,
      () => undefined,
    );
    this.creating.set(thingId, settled);
    void settled.then(() => {
      if (this.creating.get(thingId) === settled) this.creating.delete(thingId);
    });
  }

  /** A set for a twin that exists (or must: without `create`, a missing twin is thing.notfound). */
  private apply(
    owner: Identity,
    spec: CompiledSpec,
    observation: Observation,
  ): Promise<WriteResult> {
    return this.runtime.write(this.requestOf(owner, spec, observation));
  }

  /** The write of a set for a twin that exists (without `create`, a missing twin is thing.notfound). */
  private requestOf(owner: Identity, spec: CompiledSpec, observation: Observation): WriteRequest {
    const { thingId } = observation;
    const { patch, auth, replaced } = planOf(spec, observation);
    const resource = resourceOf(thingId, 'thing');
    const request: WriteRequest = {
      kind: 'merge',
      resource,
      value: patch,
      originator: owner.id,
      steps: replaced.length > 0 ? [replacing(replaced)] : undefined,
      authorize: (thing) => {
        if (thing === null) throw errors.thingNotFound(thingId);
        return this.guard.checkWrite(owner, thing, 'merge', resource, auth);
      },
    };
    if (spec.timestamp !== null) request.observedAt = observation.timestamp;
    return request;
  }

  private async create(
    owner: Identity,
    spec: CompiledSpec,
    observation: Observation,
  ): Promise<WriteResult> {
    const { thingId } = observation;
    const { patch, auth, replaced } = planOf(spec, observation);
    const create = spec.create ?? {};
    const body: JsonObject = {};
    if (create.policyId !== undefined) body.policyId = create.policyId;
    if (create.definition !== undefined) body.definition = create.definition;
    if (create.attributes !== undefined) body.attributes = { ...create.attributes };
    const value = mergeInto(body, patch);
    const authValue = mergeInto({ ...body }, auth);
    const resource = resourceOf(thingId, 'thing');
    const request: WriteRequest = {
      kind: 'merge',
      resource,
      value,
      originator: owner.id,
      steps: replaced.length > 0 ? [replacing(replaced)] : undefined,
      authorize: (thing) => this.guard.checkWrite(owner, thing, 'merge', resource, authValue),
    };
    if (spec.timestamp !== null) request.observedAt = observation.timestamp;
    const applied = await this.creation.write(owner, request);
    return applied.pending;
  }
}

/** `base` with `patch` merged in (objects entered, everything else replaced); `base` is changed. */
function mergeInto(base: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    const current = base[key];
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    )
      base[key] = mergeInto({ ...current }, value);
    else base[key] = value;
  }
  return base;
}
