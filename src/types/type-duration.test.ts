import { describe, expect, it } from 'vitest';
import { parseTypeDuration } from './type-duration.js';

describe('parseTypeDuration', () => {
  it('reads ms, s, m, h and d', () => {
    expect(parseTypeDuration('250ms')).toBe(250);
    expect(parseTypeDuration('30s')).toBe(30_000);
    expect(parseTypeDuration('5m')).toBe(300_000);
    expect(parseTypeDuration('1h')).toBe(3_600_000);
    expect(parseTypeDuration('1d')).toBe(86_400_000);
    expect(parseTypeDuration('0s')).toBe(0);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '5', '5 m', '-5m', '1.5h', '5M', '1w', 'm', '5mm', '1234567890s']) {
      expect(parseTypeDuration(bad), bad).toBeNull();
    }
  });
});
