import { describe, expect, it } from 'vitest';
import { normalQuantile, quantile, studentQuantile } from './back-fit.js';

describe('back-fit quantiles', () => {
  it('normal and Student t quantiles match the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(studentQuantile(0.9, 5)).toBeCloseTo(1.476, 2);
    expect(studentQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
    expect(studentQuantile(0.975, 1000)).toBeCloseTo(1.962, 3);
  });

  it('interpolates quantiles linearly between order statistics', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5]);
    expect(quantile(sorted, 0.5)).toBe(3);
    expect(quantile(sorted, 0.8)).toBeCloseTo(4.2, 10);
    expect(quantile(sorted, 1)).toBe(5);
  });
});
