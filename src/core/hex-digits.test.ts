import { describe, expect, it } from 'vitest';
import { hex32, hex48 } from './hex-digits.js';

describe('hex digits', () => {
  it('hex32 - 8 lowercase digits, zero-padded, as toString(16) gives them', () => {
    expect(hex32(0)).toBe('00000000');
    expect(hex32(0xbeef)).toBe('0000beef');
    expect(hex32(0xffffffff)).toBe('ffffffff');
    for (let i = 0; i < 10_000; i++) {
      const value = Math.floor(Math.random() * 2 ** 32);
      expect(hex32(value)).toBe(value.toString(16).padStart(8, '0'));
    }
  });

  it('hex48 - 12 lowercase digits, zero-padded, as toString(16) gives them', () => {
    expect(hex48(0)).toBe('000000000000');
    expect(hex48(2 ** 40)).toBe('010000000000');
    expect(hex48(2 ** 48 - 1)).toBe('ffffffffffff');
    expect(hex48(2 ** 32 - 1)).toBe('0000ffffffff');
    expect(hex48(2 ** 32)).toBe('000100000000');
    for (let i = 0; i < 10_000; i++) {
      const value = Math.floor(Math.random() * 2 ** 48);
      expect(hex48(value)).toBe(value.toString(16).padStart(12, '0'));
    }
  });
});
