// A small compiled type written by hand (no CEL), for replay tests with known answers: `double` is
// twice `x` whenever `x` is written, `sum3` the sum of the last three `x`, and the assessment `high`
// raises when `x` exceeds the threshold and resolves when it is back at or below it.
import type { JsonObject } from '../../core/json.js';
import { getAt } from '../../core/json-pointer.js';
import type { BehaviourOutcome, CompiledType, TwinBehaviour } from '../../types/behaviour.js';

const X = ['features', 'm', 'properties', 'x'];
export const DOUBLE = 'features/m/properties/double';
export const SUM3 = 'features/m/properties/sum3';

export function thresholdType(id: string, threshold: number): CompiledType {
  return {
    id,
    document: { threshold },
    validateThing: () => {},
    outputs: [DOUBLE, SUM3],
    rollups: {},
    createBehaviour: (): TwinBehaviour => {
      const last: number[] = [];
      let active = false;
      let since = 0;
      const outcome = (): BehaviourOutcome => ({
        sets: [],
        removes: [],
        assessments: [],
        wakeAt: null,
        lateDropped: 0,
      });
      return {
        apply(input) {
          const result = outcome();
          if (!input.touches('features/m/properties/x')) return result;
          const x = getAt(input.after as JsonObject, X);
          if (typeof x !== 'number') return result;
          last.push(x);
          if (last.length > 3) last.shift();
          result.sets.push({ pointer: DOUBLE, value: x * 2 });
          result.sets.push({ pointer: SUM3, value: last.reduce((a, b) => a + b, 0) });
          if (!active && x > threshold) {
            active = true;
            since = input.eventTime;
            result.assessments.push({
              assessment: 'high',
              transition: 'raised',
              severity: 'warning',
              at: input.eventTime,
            });
          } else if (active && x <= threshold) {
            active = false;
            result.assessments.push({
              assessment: 'high',
              transition: 'resolved',
              severity: 'warning',
              at: input.eventTime,
            });
          }
          return result;
        },
        tick: () => outcome(),
        assessmentStates: () => ({ high: { active, since } }),
        restoreAssessments(states) {
          if (states.high) ({ active, since } = states.high);
        },
      };
    },
  };
}
