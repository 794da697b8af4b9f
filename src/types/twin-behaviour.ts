// One twin's behaviour: on each change, the derived values and window outputs it feeds (in
// dependency order), then the assessments; everything no touched pointer feeds is skipped.
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { jsonEqual } from '../core/json-equal.js';
import { deleteAt, getAt, setAt } from '../core/json-pointer.js';
import { AssessmentTracker, type AssessmentSpec } from './assessments.js';
import type {
  AssessmentChange,
  AssessmentState,
  BehaviourInput,
  BehaviourOutcome,
  TwinBehaviour,
} from './behaviour.js';
import type { CelContext, CelExpression } from './cel-expression.js';
import { createWindow, type WindowOperator, type WindowSpec } from './windows.js';

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
    const created = input.before === null;
    const ran = this.ran;
    ran.fill(0);
    let view = input.after;
    let context: CelContext | null = null;
    const contextOf = (): CelContext => {
      context ??= {
        attributes: objectOr(view.attributes),
        features: objectOr(view.features),
        thingId: input.thingId,
        previous: {
          attributes: objectOr(input.before?.attributes),
          features: objectOr(input.before?.features),
        },
        now: new Date(input.now),
      };
      return context;
    };
    const write = (next: JsonObject): void => {
      view = next;
      if (context !== null) {
        context.attributes = objectOr(view.attributes);
        context.features = objectOr(view.features);
      }
    };

    const steps = this.plan.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!created && !triggered(step.trigger, input, ran)) continue;
      const current = getAt(view, step.segments);
      if (step.kind === 'derived') {
        ran[i] = 1;
        const value = step.expression.evaluate(contextOf());
        if (value === undefined) {
          if (current !== undefined) {
            outcome.removes.push(step.pointer);
            write(deleteAt(view, step.segments));
          }
        } else if (!jsonEqual(current, value)) {
          outcome.sets.push({ pointer: step.pointer, value });
          write(setAt(view, step.segments, value));
        }
        continue;
      }
      const sample = getAt(view, step.ofSegments);
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
        write(setAt(view, step.segments, value));
      }
    }

    this.tracker.settleAll(input.eventTime, outcome.assessments);
    const triggers = this.plan.assessmentTriggers;
    for (let i = 0; i < triggers.length; i++) {
      if (created || triggered(triggers[i], input, ran)) {
        this.tracker.evaluate(i, contextOf(), input.eventTime, outcome.assessments);
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
}

function triggered(trigger: Trigger, input: BehaviourInput, ran: Uint8Array): boolean {
  if (trigger.always) return true;
  for (const j of trigger.after) if (ran[j] === 1) return true;
  for (const pointer of trigger.touches) if (input.touches(pointer)) return true;
  return false;
}

function objectOr(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : EMPTY;
}
