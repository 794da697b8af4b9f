// Twin behaviour in the write pipeline: a change of a twin whose definition names a known type is
// checked against the type's schemas and gets, in the same revision, what the type computes from
// it (derived values, window outputs, alerts raised or resolved). One behaviour state per twin,
// kept in memory beside its state; assessments are restored from the alerts the twin carries, and
// those waiting out their `for` from the pending assessments kept in the behaviour store.
import { changeTouches } from '../core/change-touches.js';
import { errors } from '../core/error-registry.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { parsePointer } from '../core/json-pointer.js';
import type { ThingChange } from '../core/thing-change.js';
import type { TwinEvent } from '../core/events.js';
import { ThingDraft } from '../types/thing-draft.js';
import type {
  AssessmentChange,
  AssessmentState,
  BehaviourOutcome,
  CompiledType,
  TwinBehaviour,
} from '../types/behaviour.js';
import { resourceOf } from '../core/thing-resource.js';
import type { PlanAddition, PlanContext, PlanStep, WriteRequest } from './write-pipeline.js';
import { ALERTS, alertId, alertsOf, storedAlert, type TwinAlert } from '../core/alerts.js';
import { TwinReplay } from './replay/twin-replay.js';
import type { PendingAssessment, TwinPendingAssessments } from '../store/behaviour-store.js';

/** The originator of the writes behaviour makes by itself (timers). */
export const BEHAVIOUR_ORIGINATOR = 'twinfold:behaviour';

/** The compiled types the runtime knows, by id (kept current by the type service). */
export interface TypeLookup {
  compiled(typeId: string): CompiledType | undefined;
}

/** What rebuilding a twin's behaviour state reads of its journaled past. */
export interface TwinHistory {
  /**
   * The twin's state before `fromRevision` (null when it had none) and its journaled events from
   * `fromRevision` to `toRevision`, all of them durable, in revision order.
   */
  recent(
    thingId: string,
    fromRevision: number,
    toRevision: number,
  ): Promise<{ start: JsonObject | null; events: TwinEvent[] }>;
}

/** Where the assessments waiting out their `for` are kept (see PendingAssessmentKeeper). */
export interface PendingAssessmentLog {
  /** A twin's pending assessments are now `assessments` (none: it has none left). */
  note(thingId: string, assessments: PendingAssessment[]): void;
}

/**
 * Revisions a rebuild reads back first. When it must go on, it reads as many as the event times
 * read say the windows' reach needs (with a quarter more), and at least four times as many.
 */
const FIRST_LOOK_BACK = 64;
/** Most revisions a rebuild reads back (a window longer than that starts from them). */
export const MAX_LOOK_BACK = 100_000;

interface BehaviourOfTwin {
  type: CompiledType;
  behaviour: TwinBehaviour;
  /** The outputs' pointers as segments, for refusing client writes of them. */
  outputs: string[][];
  /** The behaviour's `pendingMoves` when its pending assessments were last noted. */
  pendingMoves: number;
}

export class TwinBehaviours {
  private readonly byTwin = new Map<string, BehaviourOfTwin>();
  /** Compiled pointers, by pointer text (types repeat a few). */
  private readonly segments = new Map<string, string[]>();
  /** Behaviour states rebuilt from the journal, taken by the twin's next write. */
  private readonly rebuilt = new Map<string, { type: CompiledType; behaviour: TwinBehaviour }>();
  /** Rebuilds under way, by twin. */
  private readonly rebuilding = new Map<string, Promise<void>>();
  /** Pending assessments kept before the restart, taken by the twin's behaviour when it is made. */
  private readonly seeds = new Map<string, TwinPendingAssessments>();
  /** Twins with pending assessments kept (or noted to be). */
  private readonly keptPending = new Set<string>();
  /** Observations later than a window's lateness allowed: counted, not applied. */
  lateDropped = 0;
  /** Behaviour states rebuilt from the journal, and the journaled events read for them. */
  readonly rebuilds = { twins: 0, events: 0 };

  /**
   * @param types the compiled types, by id
   * @param wake asks for {@link tick} of a twin at an event time (an assessment waiting out `for`);
   *   null cancels
   * @param history the journal, for rebuilding a twin's windows after a restart (without it they
   *   start empty)
   * @param pending where assessments waiting out their `for` are kept across restarts (without it
   *   they are not)
   */
  constructor(
    private readonly types: TypeLookup,
    private readonly wake: (thingId: string, at: number | null) => void,
    private readonly history?: TwinHistory,
    private readonly pending?: PendingAssessmentLog,
  ) {}

  /**
   * Takes up the pending assessments kept before a restart (call once, at start, before writes):
   * each twin's timer is set for its earliest due time, and its behaviour, when made, waits them
   * out from when their conditions began to hold.
   */
  seedPending(twins: readonly TwinPendingAssessments[]): void {
    for (const twin of twins) {
      if (twin.assessments.length === 0) continue;
      this.seeds.set(twin.thingId, twin);
      this.keptPending.add(twin.thingId);
      this.wake(twin.thingId, Math.min(...twin.assessments.map((a) => a.due)));
    }
  }

  /**
   * What a write of a twin must wait for before it applies, or null: the twin's behaviour state
   * rebuilt from its journaled inputs, when its type keeps windows and this process holds no state
   * of it yet (after a restart, or once the state was let go of). The windows then hold what they
   * would have held had the process kept running. Called on every write, with the twin's current
   * state and revision: cheap unless a rebuild is due.
   */
  prepare(thingId: string, thing: JsonObject | null, revision: number): Promise<void> | null {
    if (this.history === undefined || thing === null || this.byTwin.has(thingId)) return null;
    const definition = thing.definition;
    if (typeof definition !== 'string') return null;
    const type = this.types.compiled(definition);
    if (type?.windowed !== true || this.rebuilt.get(thingId)?.type === type) return null;
    let rebuilding = this.rebuilding.get(thingId);
    if (rebuilding === undefined) {
      rebuilding = this.rebuild(thingId, type, revision).finally(() =>
        this.rebuilding.delete(thingId),
      );
      this.rebuilding.set(thingId, rebuilding);
    }
    return rebuilding;
  }

  /**
   * Re-runs the type over the twin's last journaled revisions, as a replay does, reading further
   * back until the windows cover what they read (or the twin came under the type in them).
   */
  private async rebuild(thingId: string, type: CompiledType, revision: number): Promise<void> {
    const history = this.history as TwinHistory;
    const liveOutputs = (typeId: string | undefined) =>
      (typeId === undefined ? undefined : this.types.compiled(typeId)?.outputs) ?? [];
    for (let count = FIRST_LOOK_BACK; ;) {
      // A journal read on this thread (SQLite) and the replay take a few milliseconds: each its
      // own turn of the event loop, so that many twins' first writes do not hold it in one.
      await new Promise((resolve) => setImmediate(resolve));
      const from = Math.max(1, revision - count + 1);
      const { start, events } = await history.recent(thingId, from, revision);
      const replay = new TwinReplay(type, thingId, start, liveOutputs);
      for (const event of events) replay.event(event);
      this.rebuilds.events += events.length;
      if (replay.settled() || from === 1 || count >= MAX_LOOK_BACK) {
        this.rebuilt.set(thingId, { type, behaviour: replay.behaviourState });
        this.rebuilds.twins++;
        return;
      }
      count = Math.min(
        nextLookBack(count, events, replay.behaviourState.reach?.() ?? 0),
        MAX_LOOK_BACK,
      );
    }
  }

  /** The plan step every write goes through. */
  readonly step: PlanStep = (thingId, before, after, context) => {
    if (after === null) {
      this.forget(thingId);
      return;
    }
    const own = this.behaviourOf(thingId, after);
    if (own === null) return;
    const written = context.changes[0];
    for (const output of own.outputs)
      if (isAtOrUnder(written.path, output))
        throw errors.typeOutputNotWritable(thingId, output.join('/'), own.type.id);
    own.type.validateThing(thingId, after);
    // The behaviour writes its values into the draft: each object on the way is copied once, or
    // not at all when the change made it afresh.
    const draft = new ThingDraft(after, null, context.madeFrom);
    const outcome = own.behaviour.apply({
      thingId,
      before,
      after,
      eventTime: context.request.observedAt ?? context.now,
      now: context.now,
      touches: (pointer) => this.touched(context.changes, pointer),
      retyped: before !== null && before.definition !== after.definition,
      draft,
    });
    const added = this.changesOf(thingId, own, draft, outcome, context.revision);
    if (added !== undefined) own.type.validateThing(thingId, added.next);
    return added;
  };

  /**
   * The plan step of a timer's write: the time-driven parts of the twin's behaviour (an
   * assessment whose `for` has elapsed) evaluated at event time `at`.
   */
  tickStep(at: number): PlanStep {
    return (thingId, _before, after, context: PlanContext) => {
      if (after === null) return;
      const own = this.behaviourOf(thingId, after);
      if (own === null) return;
      const outcome = own.behaviour.tick(thingId, after, at, context.now);
      return this.changesOf(thingId, own, new ThingDraft(after), outcome, context.revision);
    };
  }

  /**
   * The write a timer makes when a twin's behaviour is due at event time `at`: nothing but what
   * the due parts add (skipped, with a 412, when they add nothing).
   */
  dueWrite(thingId: string, at: number): WriteRequest {
    return {
      kind: 'merge',
      resource: resourceOf(thingId, 'thing'),
      value: {},
      originator: BEHAVIOUR_ORIGINATOR,
      preconditions: { ifEqual: 'skip' },
      authorize: (thing) => {
        if (thing === null) {
          // Gone since its assessments were kept: they are no longer.
          this.forget(thingId);
          throw errors.thingNotFound(thingId);
        }
      },
      steps: [this.tickStep(at)],
    };
  }

  /** The behaviour state of a twin, made (and restored from its alerts) on first use. */
  private behaviourOf(thingId: string, thing: JsonObject): BehaviourOfTwin | null {
    const definition = thing.definition;
    const type = typeof definition === 'string' ? this.types.compiled(definition) : undefined;
    const known = this.byTwin.get(thingId);
    if (type === undefined) {
      if (known || (this.keptPending.size > 0 && this.keptPending.has(thingId)))
        this.forget(thingId);
      return null;
    }
    if (known?.type === type) return known;
    const rebuilt = this.rebuilt.get(thingId);
    if (rebuilt !== undefined) this.rebuilt.delete(thingId);
    const behaviour = rebuilt?.type === type ? rebuilt.behaviour : type.createBehaviour();
    const states: Record<string, AssessmentState> = {};
    for (const [name, alert] of Object.entries(alertsOf(thing)))
      if (alert.type === type.id && alert.state !== 'resolved')
        states[name] = { active: true, since: alert.raisedAt };
    // Kept before a restart; an alert raised meanwhile (journaled, the record not yet updated) wins.
    const seed = this.seeds.get(thingId);
    let seeded = 0;
    if (seed !== undefined) {
      this.seeds.delete(thingId);
      for (const { assessment, type: typeId, since } of seed.assessments)
        if (typeId === type.id && states[assessment] === undefined) {
          states[assessment] = { active: false, since };
          seeded++;
        }
    }
    behaviour.restoreAssessments(states);
    const computed = [...type.outputs, ...Object.keys(type.rollups)];
    const own: BehaviourOfTwin = {
      type,
      behaviour,
      outputs: computed.map((p) => this.pointer(p)),
      pendingMoves: behaviour.pendingMoves?.() ?? 0,
    };
    this.byTwin.set(thingId, own);
    // What is kept of the twin is not what it waits out now (another type, an alert raised).
    if (this.keptPending.has(thingId) && seeded !== seed?.assessments.length)
      this.notePending(thingId, own);
    return own;
  }

  /** Hands the twin's pending assessments to the log (when they are kept, or now should be). */
  private notePending(thingId: string, own: BehaviourOfTwin): void {
    if (this.pending === undefined) return;
    const assessments: PendingAssessment[] = [];
    for (const { assessment, since, due } of own.behaviour.pendingAssessments?.() ?? [])
      assessments.push({ assessment, type: own.type.id, since, due });
    if (assessments.length > 0) this.keptPending.add(thingId);
    else if (!this.keptPending.delete(thingId)) return;
    this.pending.note(thingId, assessments);
  }

  /** Lets go of a twin's behaviour state (deleted, or its type changed or went). */
  forget(thingId: string): void {
    this.rebuilt.delete(thingId);
    const seeded = this.seeds.delete(thingId);
    if (this.byTwin.delete(thingId) || seeded) this.wake(thingId, null);
    if (this.keptPending.delete(thingId)) this.pending?.note(thingId, []);
  }

  /** Lets go of every twin's state of a type (deleted or replaced). */
  forgetType(typeId: string): void {
    for (const [thingId, own] of this.byTwin) if (own.type.id === typeId) this.forget(thingId);
    for (const [thingId, rebuilt] of this.rebuilt)
      if (rebuilt.type.id === typeId) this.rebuilt.delete(thingId);
  }

  private touched(changes: readonly ThingChange[], pointer: string): boolean {
    const segments = this.pointer(pointer);
    for (const change of changes) if (changeTouches(change, segments)) return true;
    return false;
  }

  private pointer(text: string): string[] {
    let segments = this.segments.get(text);
    if (segments === undefined) {
      segments = parsePointer(text);
      this.segments.set(text, segments);
    }
    return segments;
  }

  /**
   * The changes an outcome adds, in order, written into `draft` too (its sets and removes may be
   * there already); none when it adds nothing.
   */
  private changesOf(
    thingId: string,
    own: BehaviourOfTwin,
    draft: ThingDraft,
    outcome: BehaviourOutcome,
    revision: number,
  ): PlanAddition | undefined {
    this.lateDropped += outcome.lateDropped;
    this.wake(thingId, outcome.wakeAt);
    const moves = own.behaviour.pendingMoves?.();
    if (moves !== undefined && moves !== own.pendingMoves) {
      own.pendingMoves = moves;
      this.notePending(thingId, own);
    }
    const changes: ThingChange[] = [];
    for (const { pointer, value } of outcome.sets) {
      const path = this.pointer(pointer);
      if (outcome.inDraft !== true) draft.set(path, value);
      changes.push({ action: 'modified', path, value });
    }
    for (const pointer of outcome.removes) {
      const path = this.pointer(pointer);
      if (outcome.inDraft !== true) {
        if (draft.get(path) === undefined) continue;
        draft.remove(path);
      }
      changes.push({ action: 'deleted', path });
    }
    for (const change of outcome.assessments) {
      const alert = this.alertAfter(thingId, own.type.id, draft.thing, change, revision);
      if (alert === null) continue;
      const path = [ALERTS, change.assessment];
      draft.set(path, alert);
      changes.push({ action: 'modified', path, value: alert });
    }
    return changes.length === 0 ? undefined : { changes, next: draft.thing };
  }

  /** The twin's alert of an assessment after a change of the assessment's state, as it carries it. */
  private alertAfter(
    thingId: string,
    typeId: string,
    thing: JsonObject,
    change: AssessmentChange,
    revision: number,
  ): JsonValue | null {
    const current = alertsOf(thing)[change.assessment] as TwinAlert | undefined;
    if (change.transition === 'raised') {
      const alert: TwinAlert = {
        id: alertId(thingId, change.assessment, revision),
        type: typeId,
        assessment: change.assessment,
        severity: change.severity,
        state: 'active',
        raisedAt: change.at,
        raisedRevision: revision,
        resolvedAt: null,
        resolvedRevision: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgedRevision: null,
        note: null,
      };
      return storedAlert(alert);
    }
    if (current === undefined || current.state === 'resolved') return null;
    const resolved: TwinAlert = {
      ...current,
      state: 'resolved',
      resolvedAt: change.at,
      resolvedRevision: revision,
    };
    return storedAlert(resolved);
  }
}

/**
 * How many revisions to read back next, after `count` revisions (`events`) were not enough: as
 * many as cover the windows' `reach` (ms) at the pace of event time in them, a quarter more, and at
 * least four times as many (a count window's samples, or a window whose value was not written
 * lately).
 */
function nextLookBack(count: number, events: readonly TwinEvent[], reach: number): number {
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    const time = event.observedAt ?? event.timestamp;
    if (time < first) first = time;
    if (time > last) last = time;
  }
  const paced = last > first ? Math.ceil(((events.length * reach) / (last - first)) * 1.25) : 0;
  return Math.max(4 * count, paced);
}

/** True when `path` is `pointer` or under it. */
function isAtOrUnder(path: readonly string[], pointer: readonly string[]): boolean {
  if (path.length < pointer.length) return false;
  for (let i = 0; i < pointer.length; i++) if (path[i] !== pointer[i]) return false;
  return true;
}
