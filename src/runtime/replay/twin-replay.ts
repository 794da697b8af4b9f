// The replay of one twin: a type's behaviour re-run over the twin's journaled inputs, as the live
// write step runs it, beside the live state the same events give, so that the two can be compared.
import type { TwinEvent } from '../../core/events.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { changeTouches } from '../../core/change-touches.js';
import { parsePointer } from '../../core/json-pointer.js';
import type { ThingChange } from '../../core/thing-change.js';
import type {
  AssessmentState,
  BehaviourOutcome,
  CompiledType,
  TwinBehaviour,
} from '../../types/behaviour.js';
import { ALERTS, alertsOf } from '../../core/alerts.js';
import type { ThingDraft } from '../../types/thing-draft.js';
import { carryComputed, inputOf } from './input-change.js';
import { WorkingThing } from './working-thing.js';

/** An alert's life: raised at, resolved at (event times, epoch ms; null while active). */
export interface AlertSpan {
  assessment: string;
  severity: string;
  raisedAt: number;
  resolvedAt: number | null;
}

/** How the replayed values at one output pointer differ from the live ones. */
export interface PointerDifference {
  /** Revisions after which the two values were not equal. */
  differing: number;
  /** The largest absolute difference of two numbers (0 when no number differed). */
  maxAbsDifference: number;
}

/** Everything a replay of one twin found. */
export interface TwinReplayResult {
  thingId: string;
  /** Journaled events read. */
  events: number;
  /** Events that carried an input (the others held only computed values). */
  inputs: number;
  /** Values compared (output pointers × events with an input). */
  compared: number;
  /** The replayed thing after the last event (null when deleted or never there). */
  final: JsonObject | null;
  replayAlerts: AlertSpan[];
  liveAlerts: AlertSpan[];
  /** By output pointer, only those that differed. */
  outputs: Record<string, PointerDifference>;
  /** Observations later than a window's lateness allows. */
  lateDropped: number;
}

/** The outputs a live type computes, by type id (none for an unknown type or none). */
export type LiveOutputs = (typeId: string | undefined) => readonly string[];

/**
 * Replays one twin. Feed its events in revision order with {@link event}, then {@link finish}.
 *
 * @example
 * const replay = new TwinReplay(type, 'ns:a', null, 0, live);
 * for (const event of events) replay.event(event);
 * const result = replay.finish(to);
 */
export class TwinReplay {
  private behaviour: TwinBehaviour;
  private readonly replayed: WorkingThing;
  private readonly live: WorkingThing;
  /** Edit the replayed state in place (else each input leaves the state before it as it was). */
  private readonly inPlace: boolean;
  private wakeAt: number | null = null;
  private readonly replayOutputs: string[][];
  /** The outputs by parent object, for comparing them (a type's outputs share parents). */
  private readonly outputGroups: OutputGroup[];
  /** The changes the current input touched, read by {@link touchesFn}. */
  private touched: readonly ThingChange[] = [];
  /** The last pointer asked about for the current input, and the answer (steps ask alike). */
  private asked: string | null = null;
  private answer = false;
  private readonly touchesFn = (pointer: string): boolean => {
    if (pointer !== this.asked) {
      this.answer = touches(this.touched, pointer);
      this.asked = pointer;
    }
    return this.answer;
  };
  private readonly computedByType = new Map<string | undefined, string[][]>();
  private readonly openAlerts = new Map<string, AlertSpan>();
  /** True once an event made the behaviour afresh (a deletion, a creation, a definition change). */
  private madeAfresh = false;
  /** Event time of the first input the behaviour took since it was made (null: none yet). */
  private firstInputTime: number | null = null;
  private readonly result: TwinReplayResult;

  /**
   * @param start the twin at the start of the range (null when it did not exist yet)
   * @param liveOutputs what the live type of a definition computes (stripped from the inputs)
   */
  constructor(
    private readonly type: CompiledType,
    readonly thingId: string,
    start: JsonObject | null,
    private readonly liveOutputs: LiveOutputs,
  ) {
    this.replayed = new WorkingThing(start);
    this.live = new WorkingThing(start);
    this.inPlace = type.readsPrevious === false;
    this.replayOutputs = type.outputs.map(parsePointer);
    this.outputGroups = groupOutputs(this.replayOutputs);
    this.behaviour = this.freshBehaviour(start);
    this.result = {
      thingId,
      events: 0,
      inputs: 0,
      compared: 0,
      final: null,
      replayAlerts: [],
      liveAlerts: [],
      outputs: {},
      lateDropped: 0,
    };
  }

  /**
   * A fresh behaviour with the assessments active at the start restored from the alerts the twin
   * carries, as the live runtime restores them (by assessment name, whatever version raised them).
   */
  private freshBehaviour(thing: JsonObject | null): TwinBehaviour {
    const behaviour = this.type.createBehaviour();
    const states: Record<string, AssessmentState> = {};
    for (const [name, alert] of Object.entries(alertsOf(thing))) {
      if (alert.state === 'resolved') continue;
      states[name] = { active: true, since: alert.raisedAt };
      const span = {
        assessment: name,
        severity: alert.severity,
        raisedAt: alert.raisedAt,
        resolvedAt: null,
      };
      this.openAlerts.set(name, span);
    }
    behaviour.restoreAssessments(states);
    return behaviour;
  }

  /**
   * The twin came under `definition`: a fresh behaviour with the assessments restored that the live
   * runtime restores then, those whose alert on the live twin that type raised and did not resolve.
   */
  private retype(definition: string | undefined, live: JsonObject | null): void {
    this.behaviour = this.type.createBehaviour();
    const states: Record<string, AssessmentState> = {};
    for (const [name, alert] of Object.entries(alertsOf(live)))
      if (alert.type === definition && alert.state !== 'resolved')
        states[name] = { active: true, since: alert.raisedAt };
    this.behaviour.restoreAssessments(states);
    this.wakeAt = null;
  }

  /** Places computed rather than written: the replayed type's outputs, the live type's, alerts. */
  private computed(definition: string | undefined): string[][] {
    let computed = this.computedByType.get(definition);
    if (computed === undefined) {
      const pointers = new Set([...this.type.outputs, ...this.liveOutputs(definition)]);
      computed = [...[...pointers].map(parsePointer), [ALERTS]];
      this.computedByType.set(definition, computed);
    }
    return computed;
  }

  /** Replays one journaled event (in revision order). */
  event(event: TwinEvent): void {
    this.result.events++;
    const eventTime = event.observedAt ?? event.timestamp;
    const liveBefore = this.live.thing;
    // In place only under features or attributes: the definition and alerts of `liveBefore` stay.
    if (!this.live.apply(event)) this.liveAlertsChanged(liveBefore, this.live.thing);
    const definition = definitionOf(liveBefore) ?? definitionOf(this.live.thing);
    const step = inputOf(event, this.computed(definition), this.replayed.thing);
    if (step.kind === 'none') return;
    if (step.kind === 'deleted') {
      this.replayed.replace(null);
      this.wakeAt = null;
      this.behaviour = this.freshBehaviour(null);
      this.madeAfresh = true;
      this.firstInputTime = null;
      return;
    }
    this.ticksBefore(eventTime, event.timestamp);
    this.result.inputs++;
    const before = this.replayed.thing;
    // Read before the change: in place, `before` is the object the change edits.
    const definitionBefore = before?.definition;
    if (!this.inPlace) this.replayed.release();
    this.replayed.apply(step.change);
    if (step.replaceWhole)
      this.replayed.replace(
        carryComputed(this.replayed.thing as JsonObject, before, this.replayOutputs),
      );
    // As live: a twin whose definition changes comes under its type anew (a fresh behaviour, its
    // windows empty) and gets everything the type computes.
    const retyped = before !== null && definitionBefore !== this.replayed.thing?.definition;
    if (retyped) this.retype(definitionOf(this.replayed.thing), liveBefore);
    if (before === null || retyped) {
      this.madeAfresh = true;
      this.firstInputTime = null;
    }
    this.firstInputTime ??= eventTime;
    this.touched = step.touched;
    this.asked = null;
    const draft = this.replayed.draft();
    const outcome = this.behaviour.apply({
      thingId: this.thingId,
      before,
      after: draft.thing,
      eventTime,
      now: event.timestamp,
      touches: this.touchesFn,
      draft,
      retyped,
    });
    this.touched = [];
    this.applyOutcome(draft, outcome);
    this.replayed.adopt(draft);
    this.compare();
  }

  /** Runs the time-driven parts due before `until` (event time), as the live timers would have. */
  private ticksBefore(until: number, now: number): void {
    while (this.wakeAt !== null && this.wakeAt < until && this.replayed.thing !== null) {
      const at = this.wakeAt;
      const outcome = this.behaviour.tick(this.thingId, this.replayed.thing, at, now);
      const draft = this.replayed.draft();
      this.applyOutcome(draft, outcome);
      this.replayed.adopt(draft);
      // A behaviour asking again for the same time would never let the replay move on.
      if (this.wakeAt !== null && this.wakeAt <= at) this.wakeAt = null;
    }
  }

  /** Writes an outcome's values into `draft` (unless the behaviour did) and follows its alerts. */
  private applyOutcome(draft: ThingDraft, outcome: BehaviourOutcome): void {
    if (outcome.inDraft !== true) {
      for (const { pointer, value } of outcome.sets) draft.set(segmentsOf(pointer), value);
      for (const pointer of outcome.removes) draft.remove(segmentsOf(pointer));
    }
    for (const change of outcome.assessments) {
      const open = this.openAlerts.get(change.assessment);
      if (change.transition === 'raised') {
        if (open) this.openAlerts.delete(change.assessment);
        const span: AlertSpan = {
          assessment: change.assessment,
          severity: change.severity,
          raisedAt: change.at,
          resolvedAt: null,
        };
        this.result.replayAlerts.push(span);
        this.openAlerts.set(change.assessment, span);
      } else if (open) {
        open.resolvedAt = change.at;
        this.openAlerts.delete(change.assessment);
      }
    }
    this.result.lateDropped += outcome.lateDropped;
    this.wakeAt = outcome.wakeAt;
  }

  /** Alerts the live twin raised or resolved in an event (its `_alerts` records changed). */
  private liveAlertsChanged(before: JsonObject | null, after: JsonObject | null): void {
    const was = alertsOf(before);
    for (const [name, alert] of Object.entries(alertsOf(after))) {
      const previous = was[name];
      if (previous?.id !== alert.id) {
        this.result.liveAlerts.push({
          assessment: name,
          severity: alert.severity,
          raisedAt: alert.raisedAt,
          resolvedAt: alert.resolvedAt,
        });
      } else if (previous.resolvedAt !== alert.resolvedAt) {
        const span = findLast(this.result.liveAlerts, name, alert.raisedAt);
        if (span) span.resolvedAt = alert.resolvedAt;
      }
    }
  }

  /** Compares the replayed outputs with the live ones after an input. */
  private compare(): void {
    for (const group of this.outputGroups) {
      const replayedParent = this.replayed.at(group.parent);
      const liveParent = this.live.at(group.parent);
      for (let i = 0; i < group.keys.length; i++) {
        this.result.compared++;
        const replayed = member(replayedParent, group.keys[i]);
        const live = member(liveParent, group.keys[i]);
        if (sameValue(replayed, live)) continue;
        const difference = (this.result.outputs[group.names[i]] ??= {
          differing: 0,
          maxAbsDifference: 0,
        });
        difference.differing++;
        if (typeof replayed === 'number' && typeof live === 'number') {
          const abs = Math.abs(replayed - live);
          if (abs > difference.maxAbsDifference) difference.maxAbsDifference = abs;
        }
      }
    }
  }

  /** The behaviour as the events fed so far left it (windows and assessments). */
  get behaviourState(): TwinBehaviour {
    return this.behaviour;
  }

  /**
   * True when {@link behaviourState} is what the twin's whole history would have made it: an
   * event fed made it afresh, or its windows cover the inputs fed since the first (see
   * {@link TwinBehaviour.covers}). False when earlier events may matter.
   */
  settled(): boolean {
    if (this.madeAfresh) return true;
    if (this.firstInputTime === null) return false;
    return this.behaviour.covers?.(this.firstInputTime) !== false;
  }

  /** Ends the replay at `to` (event time): ticks due before it run, and the result is complete. */
  finish(to: number): TwinReplayResult {
    this.ticksBefore(to, to);
    this.result.final = this.replayed.thing;
    return this.result;
  }
}

function definitionOf(thing: JsonObject | null): string | undefined {
  const definition = thing?.definition;
  return typeof definition === 'string' ? definition : undefined;
}

/** Pointers of a type, parsed once each (a type names few). */
const SEGMENTS = new Map<string, string[]>();

/** The last pointer asked for: a type's steps mostly ask about the one observed value. */
let lastPointer = '';
let lastSegments: string[] = [];

function segmentsOf(pointer: string): string[] {
  if (pointer === lastPointer) return lastSegments;
  let segments = SEGMENTS.get(pointer);
  if (segments === undefined) {
    segments = parsePointer(pointer);
    if (SEGMENTS.size < 10_000) SEGMENTS.set(pointer, segments);
  }
  lastPointer = pointer;
  lastSegments = segments;
  return segments;
}

function touches(changes: readonly ThingChange[], pointer: string): boolean {
  const segments = segmentsOf(pointer);
  for (const change of changes) if (changeTouches(change, segments)) return true;
  return false;
}

/** Outputs sharing a parent object: their keys in it and their names (`a/b/c`). */
interface OutputGroup {
  parent: string[];
  keys: string[];
  names: string[];
}

/** Runs of outputs with the same parent, in the outputs' order. */
function groupOutputs(outputs: readonly string[][]): OutputGroup[] {
  const groups: OutputGroup[] = [];
  for (const segments of outputs) {
    const parent = segments.slice(0, -1);
    let group = groups[groups.length - 1];
    if (group === undefined || !samePath(group.parent, parent)) {
      group = { parent, keys: [], names: [] };
      groups.push(group);
    }
    group.keys.push(segments[segments.length - 1]);
    group.names.push(segments.join('/'));
  }
  return groups;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}

/** What `getAt` gives one level down. */
function member(parent: JsonValue | undefined, key: string): JsonValue | undefined {
  return isJsonObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)
    ? parent[key]
    : undefined;
}

function findLast(spans: AlertSpan[], assessment: string, raisedAt: number): AlertSpan | undefined {
  for (let i = spans.length - 1; i >= 0; i--)
    if (spans[i].assessment === assessment && spans[i].raisedAt === raisedAt) return spans[i];
  return undefined;
}

function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
