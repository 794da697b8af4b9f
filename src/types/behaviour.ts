// What a compiled twin type offers the runtime: its schemas, and the behaviour it adds to each
// change of a twin (derived values, window outputs, assessments raising and resolving alerts).
import type { JsonObject, JsonValue } from '../core/json.js';
import type { ThingDraft } from './thing-draft.js';

/** The parts of a type id `namespace:name:version`. */
export interface TypeIdParts {
  namespace: string;
  name: string;
  version: string;
}

/**
 * A type, compiled once from its document (`compileType`); shared by every twin it governs and
 * immutable. Each twin's own evolving state lives in the {@link TwinBehaviour} it makes.
 */
export interface CompiledType {
  readonly id: string;
  /** The document as accepted (normalised), for GET and for comparing a second PUT. */
  readonly document: JsonObject;
  /**
   * Throws `errors.typeSchemaViolation` (400, naming the failing pointer such as
   * `/features/power/properties/watts`) when the thing's attributes or a feature's properties do
   * not match the type's schemas. Values the type derives are checked like the others.
   */
  validateThing(thingId: string, thing: JsonObject): void;
  /**
   * Pointers (`features/power/properties/kw`) whose values the behaviour computes (derived values
   * and window outputs), in evaluation order: never written by clients. Roll-up targets, which
   * the runtime computes, are the keys of {@link rollups} (never written by clients either).
   */
  readonly outputs: readonly string[];
  /** Roll-ups the type declares, by target pointer (computed by the runtime over relations). */
  readonly rollups: Readonly<Record<string, RollupSpec>>;
  /**
   * False when no expression of the type reads `previous`: the state before a change is then not
   * needed once the change is applied (a replay keeps one working state, edited in place).
   * Absent: it may read it.
   */
  readonly readsPrevious?: boolean;
  /**
   * True when the behaviour keeps windows: state built from a twin's past inputs, which a restart
   * rebuilds from the journal (see {@link TwinBehaviour.covers}). Absent: it keeps none.
   */
  readonly windowed?: boolean;
  /** A fresh behaviour state for one twin. */
  createBehaviour(): TwinBehaviour;
}

export type RollupOp = 'sum' | 'avg' | 'min' | 'max' | 'count';

export interface RollupSpec {
  relation: string;
  /** `children`: twins whose relation points at this one; `parents`: twins this one points at. */
  from: 'children' | 'parents';
  /** Pointer of the value read on each related twin. */
  of: string;
  op: RollupOp;
  /** How many levels of the relation to follow (1 = direct children or parents). */
  depth: number;
}

/** A twin's change, as the behaviour sees it. */
export interface BehaviourInput {
  thingId: string;
  /** The thing before the change (null when it is being created). */
  before: JsonObject | null;
  /** The thing after the change, before anything the behaviour adds. */
  after: JsonObject;
  /** When the change was observed (the observation's time, else the write's), epoch ms. */
  eventTime: number;
  /** The wall clock, epoch ms (CEL's `now`). */
  now: number;
  /**
   * True when the change wrote at `pointer` (a JSON pointer from the thing root without the
   * leading `/`, such as `features/power/properties/watts`), at a parent or at a child of it, even
   * when it wrote the same value. The runtime provides it; the behaviour skips what no touched
   * pointer feeds.
   */
  touches(pointer: string): boolean;
  /**
   * A draft whose `thing` is `after`, for the behaviour to write its values into (a caller that
   * keeps a working state across changes, a replay, reads them from it; they are in the outcome
   * too). Without it the behaviour makes a draft of its own.
   */
  draft?: ThingDraft;
  /**
   * True when the twin has just come under this type (its definition changed to it, as a
   * migration does): everything the type computes is computed, as for a new twin.
   */
  retyped?: boolean;
}

export type AlertTransition = 'raised' | 'resolved';

/** An assessment changing state: the runtime journals it as the alert's event. */
export interface AssessmentChange {
  assessment: string;
  transition: AlertTransition;
  severity: string;
  /** Event time of the transition, epoch ms (for a `for` condition: when it had held long enough). */
  at: number;
}

/** What the behaviour adds to one change, all of it in the change's revision. */
export interface BehaviourOutcome {
  /** Values to set, by pointer from the thing root (derived values, window outputs). */
  sets: { pointer: string; value: JsonValue }[];
  /** Values to remove (a derived value whose expression no longer yields one). */
  removes: string[];
  assessments: AssessmentChange[];
  /**
   * Event time at which {@link TwinBehaviour.tick} must run if no change comes first (an assessment
   * waiting out its `for`); null when none is due.
   */
  wakeAt: number | null;
  /** Observations that came later than a window's `lateness` allows: counted, not applied. */
  lateDropped: number;
  /** True when {@link sets} and {@link removes} are already written into the input's draft. */
  inDraft?: boolean;
}

/** Assessment state carried by the twin (restored after a restart or an eviction). */
export interface AssessmentState {
  /** Active since (event time, epoch ms), or pending (condition holding, `for` not yet met) since. */
  active: boolean;
  since: number;
}

/** An assessment waiting out its `for`: since when its condition holds, and when it is due. */
export interface PendingSince {
  assessment: string;
  /** Event time the condition began to hold, epoch ms. */
  since: number;
  /** Event time its alert is raised at if the condition still holds then, epoch ms. */
  due: number;
}

/** One twin's behaviour state: windows and assessments. Not shared between twins. */
export interface TwinBehaviour {
  /** Computes what a change adds. Mutates this state (windows take the new samples). */
  apply(input: BehaviourInput): BehaviourOutcome;
  /** Re-evaluates time-driven parts (an assessment's `for`) at event time `at` with no new change. */
  tick(thingId: string, thing: JsonObject, at: number, now: number): BehaviourOutcome;
  /** The assessments' state, to keep on the twin; and restoring it. */
  assessmentStates(): Record<string, AssessmentState>;
  restoreAssessments(states: Record<string, AssessmentState>): void;
  /**
   * How many times an assessment began or stopped waiting out its `for` since this state was made
   * (restores aside): when it moved, {@link pendingAssessments} changed. Absent: never.
   */
  pendingMoves?(): number;
  /** The assessments waiting out their `for` now, in the type's order. Absent: none. */
  pendingAssessments?(): PendingSince[];
  /**
   * True when the inputs of event time `since` and later, all this state has taken, make the state
   * the whole history would have (every window covers them: see `WindowOperator.covers`). Absent:
   * the state keeps nothing of past inputs but its assessments.
   */
  covers?(since: number): boolean;
  /** How far back in event time (ms) the windows reach (0: only counts of samples, or none). */
  reach?(): number;
}
