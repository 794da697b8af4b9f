// The replay of one twin: a type's behaviour re-run over the twin's journaled inputs, as the live
// write step runs it, beside the live state the same events give, so that the two can be compared.
import type { TwinEvent } from '../../core/events.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { changeTouches } from '../../core/change-touches.js';
import { deleteAt, getAt, parsePointer, setAt } from '../../core/json-pointer.js';
import { applyChange, type ThingChange } from '../../core/thing-change.js';
import type {
  AssessmentState,
  BehaviourOutcome,
  CompiledType,
  TwinBehaviour,
} from '../../types/behaviour.js';
import { ALERTS, alertsOf } from '../../core/alerts.js';
import { carryComputed, inputOf } from './input-change.js';

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
  private replayed: JsonObject | null;
  private live: JsonObject | null;
  private wakeAt: number | null = null;
  private readonly replayOutputs: string[][];
  private readonly computedByType = new Map<string | undefined, string[][]>();
  private readonly openAlerts = new Map<string, AlertSpan>();
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
    this.replayed = start;
    this.live = start;
    this.replayOutputs = type.outputs.map(parsePointer);
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
    const liveBefore = this.live;
    this.live = applyChange(this.live, event);
    this.liveAlertsChanged(liveBefore, this.live);
    const definition = definitionOf(liveBefore) ?? definitionOf(this.live);
    const step = inputOf(event, this.computed(definition), this.replayed);
    if (step.kind === 'none') return;
    if (step.kind === 'deleted') {
      this.replayed = null;
      this.wakeAt = null;
      this.behaviour = this.freshBehaviour(null);
      return;
    }
    this.ticksBefore(eventTime, event.timestamp);
    this.result.inputs++;
    const before = this.replayed;
    let after = applyChange(before, step.change) as JsonObject;
    if (step.replaceWhole) after = carryComputed(after, before, this.replayOutputs);
    const touched = step.touched;
    const outcome = this.behaviour.apply({
      thingId: this.thingId,
      before,
      after,
      eventTime,
      now: event.timestamp,
      touches: (pointer) => touches(touched, pointer),
    });
    this.replayed = this.applyOutcome(after, outcome);
    this.compare();
  }

  /** Runs the time-driven parts due before `until` (event time), as the live timers would have. */
  private ticksBefore(until: number, now: number): void {
    while (this.wakeAt !== null && this.wakeAt < until && this.replayed !== null) {
      const at = this.wakeAt;
      const outcome = this.behaviour.tick(this.thingId, this.replayed, at, now);
      this.replayed = this.applyOutcome(this.replayed, outcome);
      // A behaviour asking again for the same time would never let the replay move on.
      if (this.wakeAt !== null && this.wakeAt <= at) this.wakeAt = null;
    }
  }

  private applyOutcome(thing: JsonObject, outcome: BehaviourOutcome): JsonObject {
    let next = thing;
    if (outcome.sets.length > 0) next = setEach(next, outcome.sets);
    for (const pointer of outcome.removes) {
      const path = segmentsOf(pointer);
      if (getAt(next, path) !== undefined) next = deleteAt(next, path);
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
    return next;
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
    for (const segments of this.replayOutputs) {
      this.result.compared++;
      const replayed = getAt(this.replayed, segments);
      const live = getAt(this.live, segments);
      if (sameValue(replayed, live)) continue;
      const key = segments.join('/');
      const difference = (this.result.outputs[key] ??= { differing: 0, maxAbsDifference: 0 });
      difference.differing++;
      if (typeof replayed === 'number' && typeof live === 'number') {
        const abs = Math.abs(replayed - live);
        if (abs > difference.maxAbsDifference) difference.maxAbsDifference = abs;
      }
    }
  }

  /** Ends the replay at `to` (event time): ticks due before it run, and the result is complete. */
  finish(to: number): TwinReplayResult {
    this.ticksBefore(to, to);
    this.result.final = this.replayed;
    return this.result;
  }
}

function definitionOf(thing: JsonObject | null): string | undefined {
  const definition = thing?.definition;
  return typeof definition === 'string' ? definition : undefined;
}

/**
 * `thing` with each value set at its pointer, as `setAt` one after the other would give, copying
 * each object on the paths once rather than once per value (a type's outputs share parents).
 */
function setEach(thing: JsonObject, sets: BehaviourOutcome['sets']): JsonObject {
  const owned = new Set<JsonObject>();
  const own = (node: JsonObject): JsonObject => {
    if (owned.has(node)) return node;
    const copy = { ...node };
    owned.add(copy);
    return copy;
  };
  const root = own(thing);
  for (const { pointer, value } of sets) {
    const segments = segmentsOf(pointer);
    if (segments.length === 0) return setAt(thing, segments, value);
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const child = node[segments[i]];
      const next = own(isJsonObject(child) ? child : {});
      node[segments[i]] = next;
      node = next;
    }
    node[segments[segments.length - 1]] = value;
  }
  return root;
}

/** Pointers of a type, parsed once each (a type names few). */
const SEGMENTS = new Map<string, string[]>();

function segmentsOf(pointer: string): string[] {
  let segments = SEGMENTS.get(pointer);
  if (segments === undefined) {
    segments = parsePointer(pointer);
    if (SEGMENTS.size < 10_000) SEGMENTS.set(pointer, segments);
  }
  return segments;
}

function touches(changes: readonly ThingChange[], pointer: string): boolean {
  const segments = segmentsOf(pointer);
  for (const change of changes) if (changeTouches(change, segments)) return true;
  return false;
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
