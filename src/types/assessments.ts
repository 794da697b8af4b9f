// Assessments of one twin: conditions over its state that raise an alert (after holding `for`
// long enough, in event time) and resolve it (by `clear`, else when the condition stops holding).
import type { AssessmentChange, AssessmentState, PendingSince } from './behaviour.js';
import type { CelContext, CelExpression } from './cel-expression.js';

export interface AssessmentSpec {
  name: string;
  when: CelExpression;
  /** Resolves the alert when it holds (hysteresis); null: the alert resolves when `when` stops holding. */
  clear: CelExpression | null;
  /** How long `when` must hold before the alert is raised, ms; 0 raises at once. */
  holdFor: number;
  severity: string;
}

type Phase = 'idle' | 'pending' | 'active';

interface Tracked {
  phase: Phase;
  /** Pending since (when `when` began to hold) or active since (when raised). */
  since: number;
}

/** The assessments' state for one twin. Not shared between twins. */
export class AssessmentTracker {
  private readonly tracked: Tracked[];
  /** How many times an assessment began or stopped waiting out its `for` (restores aside). */
  pendingMoves = 0;

  constructor(private readonly specs: readonly AssessmentSpec[]) {
    this.tracked = specs.map(() => ({ phase: 'idle', since: 0 }));
  }

  /** Re-evaluates assessment `index` over `context` at event time `at`, adding its transitions to `out`. */
  evaluate(index: number, context: CelContext, at: number, out: AssessmentChange[]): void {
    this.settle(index, at, out);
    const spec = this.specs[index];
    const state = this.tracked[index];
    if (state.phase === 'active') {
      const clears = spec.clear !== null ? spec.clear.holds(context) : !spec.when.holds(context);
      if (clears) this.move(index, 'idle', Math.max(at, state.since), out);
      return;
    }
    const holds = spec.when.holds(context);
    if (state.phase === 'pending') {
      if (!holds) {
        this.tracked[index] = { phase: 'idle', since: 0 };
        this.pendingMoves++;
      }
    } else if (holds) {
      if (spec.holdFor === 0) this.move(index, 'active', at, out);
      else {
        this.tracked[index] = { phase: 'pending', since: at };
        this.pendingMoves++;
      }
    }
  }

  /** Raises every pending assessment whose condition has held long enough by event time `at`. */
  settleAll(at: number, out: AssessmentChange[]): void {
    for (let i = 0; i < this.specs.length; i++) this.settle(i, at, out);
  }

  /** When the next pending assessment will have held long enough; null when none is pending. */
  wakeAt(): number | null {
    let wake: number | null = null;
    for (let i = 0; i < this.specs.length; i++) {
      const state = this.tracked[i];
      if (state.phase !== 'pending') continue;
      const due = state.since + this.specs[i].holdFor;
      if (wake === null || due < wake) wake = due;
    }
    return wake;
  }

  /** The pending and active assessments, by name (idle ones are absent). */
  states(): Record<string, AssessmentState> {
    const states: Record<string, AssessmentState> = {};
    this.specs.forEach((spec, i) => {
      const state = this.tracked[i];
      if (state.phase !== 'idle')
        states[spec.name] = { active: state.phase === 'active', since: state.since };
    });
    return states;
  }

  /** The assessments waiting out their `for`: since when, and when they are due, in spec order. */
  pending(): PendingSince[] {
    const pending: PendingSince[] = [];
    this.specs.forEach((spec, i) => {
      const state = this.tracked[i];
      if (state.phase === 'pending')
        pending.push({
          assessment: spec.name,
          since: state.since,
          due: state.since + spec.holdFor,
        });
    });
    return pending;
  }

  /**
   * Restores {@link states}. Assessments absent from `states` become idle; names the type does
   * not declare are skipped (the states come from the twin's own storage, written by this code).
   */
  restore(states: Record<string, AssessmentState>): void {
    this.specs.forEach((spec, i) => {
      const state = Object.prototype.hasOwnProperty.call(states, spec.name)
        ? states[spec.name]
        : undefined;
      this.tracked[i] =
        state !== undefined && Number.isFinite(state.since)
          ? { phase: state.active ? 'active' : 'pending', since: state.since }
          : { phase: 'idle', since: 0 };
    });
  }

  private settle(index: number, at: number, out: AssessmentChange[]): void {
    const state = this.tracked[index];
    const due = state.since + this.specs[index].holdFor;
    if (state.phase === 'pending' && at >= due) {
      this.pendingMoves++;
      this.move(index, 'active', due, out);
    }
  }

  private move(index: number, phase: 'idle' | 'active', at: number, out: AssessmentChange[]): void {
    const spec = this.specs[index];
    this.tracked[index] = { phase, since: phase === 'active' ? at : 0 };
    out.push({
      assessment: spec.name,
      transition: phase === 'active' ? 'raised' : 'resolved',
      severity: spec.severity,
      at,
    });
  }
}
