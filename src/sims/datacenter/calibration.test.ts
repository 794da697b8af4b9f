import { describe, expect, it } from 'vitest';
import { Calibrator, intervalPower, scaled, shapeGrid } from './calibration.js';
import type { PowerModel, UtilisationMass } from './model.js';
import { powerAt } from './power-models.js';

const INTERVAL_MS = 150_000;
const SECONDS = INTERVAL_MS / 1000;
const topologyModel: PowerModel = {
  kind: 'asymptotic',
  idlePower: 32,
  maxPower: 180,
  asymUtil: 0.3,
  dvfs: false,
};

/** Two hosts per interval: one at `u[k]`, one idle. */
function massOf(utilisations: number[]): UtilisationMass {
  const offsets = new Int32Array(utilisations.length + 1);
  const utilisation: number[] = [];
  const hostSeconds: number[] = [];
  utilisations.forEach((u, k) => {
    utilisation.push(u, 0);
    hostSeconds.push(SECONDS, SECONDS);
    offsets[k + 1] = utilisation.length;
  });
  return {
    group: 0,
    offsets,
    utilisation: Float64Array.from(utilisation),
    hostSeconds: Float64Array.from(hostSeconds),
  };
}

describe('calibration', () => {
  const utilisations = Array.from({ length: 60 }, (_, k) => 0.2 + 0.6 * Math.abs(Math.sin(k / 7)));
  const mass = massOf(utilisations);

  it('interval power integrates the mass exactly', () => {
    const expected = powerAt(topologyModel, utilisations[3]!) + powerAt(topologyModel, 0);
    expect(intervalPower([mass], [topologyModel], 3, SECONDS)).toBeCloseTo(expected, 9);
  });

  it('finds the scale and shape that produced the measurements', () => {
    const truth = scaled({ ...topologyModel, asymUtil: 0.5 }, 1.1);
    const measured = Float64Array.from(utilisations, (_, k) =>
      intervalPower([mass], [truth], k, SECONDS),
    );
    const calibrator = new Calibrator([mass], [topologyModel], measured, INTERVAL_MS, {
      lookbackMs: 40 * INTERVAL_MS,
      gridPoints: 19,
    });
    const fitted = calibrator.before(50);
    expect(fitted.scale).toBeCloseTo(1.1, 6);
    const model = fitted.models[0]!;
    expect(model.kind === 'asymptotic' && model.asymUtil).toBeCloseTo(0.5, 9);
    expect(fitted.lookbackMape).toBeLessThan(1e-9);
  });

  it('never reads the measurements of the window or later', () => {
    const measured = Float64Array.from(utilisations, (_, k) =>
      intervalPower([mass], [scaled(topologyModel, 0.9)], k, SECONDS),
    );
    const future = measured.slice();
    for (let k = 30; k < future.length; k++) future[k] = 10 * future[k]!;
    const options = { lookbackMs: 20 * INTERVAL_MS };
    const a = new Calibrator([mass], [topologyModel], measured, INTERVAL_MS, options).before(30);
    const b = new Calibrator([mass], [topologyModel], future, INTERVAL_MS, options).before(30);
    expect(b).toEqual(a);
    expect(a.scale).toBeCloseTo(0.9, 6);
  });

  it('keeps the topology models without measurements in the look-back', () => {
    const measured = new Float64Array(utilisations.length).fill(Number.NaN);
    const fitted = new Calibrator([mass], [topologyModel], measured, INTERVAL_MS).before(10);
    expect(fitted).toEqual({ models: [topologyModel], scale: 1, lookbackMape: null });
  });

  it('grids the shape parameter around the model’s own value', () => {
    const asym = shapeGrid(topologyModel, 5).map((m) => (m.kind === 'asymptotic' ? m.asymUtil : 0));
    expect(asym).toContain(0.3);
    expect(Math.min(...asym)).toBeCloseTo(0.05);
    expect(shapeGrid({ kind: 'linear', idlePower: 1, maxPower: 2 })).toHaveLength(1);
  });
});
