// One twin's behaviour: on each change, the derived values and window outputs it feeds (in
// dependency order), then the assessments; everything no touched pointer feeds is skipped.
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { jsonEqual } from '../core/json-equal.js';
import { AssessmentTracker, type AssessmentSpec } from './assessments.js';
import type {
  AssessmentChange,
  AssessmentState,
  BehaviourInput,
  BehaviourOutcome,
  PendingSince,
  TwinBehaviour,
} from './behaviour.js';
import type { CelContext, CelExpression } from './cel-expression.js';
import { ThingDraft } from './thing-draft.js';
import { createWindow, reachOf, type WindowOperator, type WindowSpec } from './windows.js';

/** What makes a step run: a touched pointer, an earlier step that ran, or any change at all. */
export interface Trigger {
  /** Pointers passed to `input.touches`. */
  touches: readonly string[];
  /** Indices of the output steps whose running makes this one run. */
  after: readonly number[];
  /** Runs on every change (the expression reads `previous`). */
  always: boolean;
}

interface StepBase {
  pointer: string;
  segments: readonly string[];
  trigger: Trigger;
}

export type OutputStep =
  | (StepBase & { kind: 'derived'; expression: CelExpression })
  | (StepBase & { kind: 'window'; window: WindowSpec; ofSegments: readonly string[] });

/** What a compiled type gives each of its twins' behaviours: shared and immutable. */
export interface BehaviourPlan {
  /** Output steps in evaluation order (a step's `after` points to earlier steps). */
  steps: readonly OutputStep[];
  assessments: readonly AssessmentSpec[];
  assessmentTriggers: readonly Trigger[];
}

const EMPTY: JsonObject = Object.freeze({}) as JsonObject;

export class TwinBehaviourState implements TwinBehaviour {
  private readonly windows: (WindowOperator | null)[];
  private readonly tracker: AssessmentTracker;
  private readonly ran: Uint8Array;

  constructor(private readonly plan: BehaviourPlan) {
    this.windows = plan.steps.map((step) =>
      step.kind === 'window' ? createWindow(step.window) : null,
    );
    this.tracker = new AssessmentTracker(plan.assessments);
    this.ran = new Uint8Array(plan.steps.length);
  }

  apply(input: BehaviourInput): BehaviourOutcome {
    const outcome: BehaviourOutcome = {
      sets: [],
      removes: [],
      assessments: [],
      wakeAt: null,
      lateDropped: 0,
    };
    if (input.draft !== undefined) outcome.inDraft = true;
    const created = input.before === null || input.retyped === true;
    const ran = this.ran;
    ran.fill(0);
    const draft = input.draft ?? new ThingDraft(input.after);
    let context: CelContext | null = null;

    const steps = this.plan.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!created && !triggered(step.trigger, input, ran)) continue;
      const current = draft.get(step.segments);
      if (step.kind === 'derived') {
        ran[i] = 1;
        context ??= contextOf(input, draft.thing);
        const value = step.expression.evaluate(context);
        if (value === undefined) {
          if (current === undefined) continue;
          outcome.removes.push(step.pointer);
          draft.remove(step.segments);
        } else {
          if (jsonEqual(current, value)) continue;
          outcome.sets.push({ pointer: step.pointer, value });
          draft.set(step.segments, value);
        }
        refresh(context, draft.thing);
        continue;
      }
      const sample = draft.get(step.ofSegments);
      if (typeof sample !== 'number' || !Number.isFinite(sample)) continue;
      const window = this.windows[i] as WindowOperator;
      if (!window.add(input.eventTime, sample)) {
        outcome.lateDropped++;
        continue;
      }
      ran[i] = 1;
      const value = window.value();
      if (value !== null && Number.isFinite(value) && value !== current) {
        outcome.sets.push({ pointer: step.pointer, value });
        draft.set(step.segments, value);
        if (context !== null) refresh(context, draft.thing);
      }
    }

    this.tracker.settleAll(input.eventTime, outcome.assessments);
    const triggers = this.plan.assessmentTriggers;
    for (let i = 0; i < triggers.length; i++) {
      if (created || triggered(triggers[i], input, ran)) {
        context ??= contextOf(input, draft.thing);
        this.tracker.evaluate(i, context, input.eventTime, outcome.assessments);
      }
    }
    outcome.wakeAt = this.tracker.wakeAt();
    return outcome;
  }

  tick(_thingId: string, _thing: JsonObject, at: number, _now: number): BehaviourOutcome {
    const assessments: AssessmentChange[] = [];
    this.tracker.settleAll(at, assessments);
    return { sets: [], removes: [], assessments, wakeAt: this.tracker.wakeAt(), lateDropped: 0 };
  }

  assessmentStates(): Record<string, AssessmentState> {
    return this.tracker.states();
  }

  restoreAssessments(states: Record<string, AssessmentState>): void {
    this.tracker.restore(states);
  }

  pendingMoves(): number {
    return this.tracker.pendingMoves;
  }

  pendingAssessments(): PendingSince[] {
    return this.tracker.pending();
  }

  covers(since: number): boolean {
    for (const window of this.windows) if (window !== null && !window.covers(since)) return false;
    return true;
  }

  reach(): number {
    let reach = 0;
    for (const step of this.plan.steps)
      if (step.kind === 'window') reach = Math.max(reach, reachOf(step.window));
    return reach;
  }
}

function triggered(trigger: Trigger, input: BehaviourInput, ran: Uint8Array): boolean {
  if (trigger.always) return true;
  for (const j of trigger.after) if (ran[j] === 1) return true;
  for (const pointer of trigger.touches) if (input.touches(pointer)) return true;
  return false;
}

function contextOf(input: BehaviourInput, thing: JsonObject): CelContext {
  return new ChangeContext(input, objectOr(thing.attributes), objectOr(thing.features));
}

/** What expressions see of a change; `previous` and `now` are made only when read. */
class ChangeContext implements CelContext {
  readonly thingId: string;

  constructor(
    private readonly input: BehaviourInput,
    public attributes: JsonObject,
    public features: JsonObject,
  ) {
    this.thingId = input.thingId;
  }

  get previous(): CelContext['previous'] {
    return {
      attributes: objectOr(this.input.before?.attributes),
      features: objectOr(this.input.before?.features),
    };
  }

  get now(): Date {
    return new Date(this.input.now);
  }
}

/** Points the context at the draft after a write (the draft may have copied the objects). */
function refresh(context: CelContext, thing: JsonObject): void {
  context.attributes = objectOr(thing.attributes);
  context.features = objectOr(thing.features);
}

function objectOr(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : EMPTY;
}
