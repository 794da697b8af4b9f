// Known answers of every OpenDC power model, worked by hand from the formulas.
import { describe, expect, it } from 'vitest';
import type { PowerModel } from './model.js';
import { powerAt } from './power-models.js';

const idleMax = { idlePower: 100, maxPower: 200 };

describe('powerAt', () => {
  it('constant draws its power at any utilisation', () => {
    const m: PowerModel = { kind: 'constant', power: 250 };
    expect([0, 0.3, 1].map((u) => powerAt(m, u))).toEqual([250, 250, 250]);
  });

  it('linear, square, cubic and sqrt at 0, ½ and 1', () => {
    const at = (kind: 'linear' | 'square' | 'cubic' | 'sqrt') =>
      [0, 0.5, 1].map((u) => powerAt({ kind, ...idleMax }, u));
    expect(at('linear')).toEqual([100, 150, 200]);
    expect(at('square')).toEqual([100, 125, 200]);
    expect(at('cubic')).toEqual([100, 112.5, 200]);
    const sqrt = at('sqrt');
    expect(sqrt[0]).toBe(100);
    expect(sqrt[1]).toBeCloseTo(100 + 100 * Math.SQRT1_2, 12);
    expect(sqrt[2]).toBe(200);
  });

  it('mse: idle + (max − idle)·(2u − u^r)', () => {
    const m: PowerModel = { kind: 'mse', ...idleMax, calibrationFactor: 4 };
    expect(powerAt(m, 0)).toBe(100);
    expect(powerAt(m, 0.5)).toBeCloseTo(100 + 100 * (1 - 0.0625), 12);
    expect(powerAt(m, 1)).toBe(200);
  });

  it('asymptotic without DVFS: idle + (max − idle)/2·(1 + u − e^(−u/a))', () => {
    const m: PowerModel = {
      kind: 'asymptotic',
      idlePower: 32,
      maxPower: 180,
      asymUtil: 0.3,
      dvfs: false,
    };
    expect(powerAt(m, 0)).toBe(32);
    expect(powerAt(m, 0.3)).toBeCloseTo(32 + 74 * (1.3 - Math.exp(-1)), 12);
    expect(powerAt(m, 1)).toBeCloseTo(32 + 74 * (2 - Math.exp(-1 / 0.3)), 12);
  });

  it('asymptotic with DVFS takes u³ in place of u', () => {
    const m: PowerModel = {
      kind: 'asymptotic',
      idlePower: 32,
      maxPower: 180,
      asymUtil: 0.3,
      dvfs: true,
    };
    expect(powerAt(m, 0.5)).toBeCloseTo(32 + 74 * (1.125 - Math.exp(-0.125 / 0.3)), 12);
    expect(powerAt(m, 0.5)).toBeLessThan(powerAt({ ...m, dvfs: false } as PowerModel, 0.5));
  });

  it('clamps utilisation to 0…1 as OpenDC does (but for asymptotic)', () => {
    expect(powerAt({ kind: 'linear', ...idleMax }, 1.5)).toBe(200);
    expect(powerAt({ kind: 'square', ...idleMax }, -0.5)).toBe(100);
    expect(powerAt({ kind: 'mse', ...idleMax, calibrationFactor: 2 }, 2)).toBe(200);
  });
});
