// payloadText: the JSON text of any parsed payload, however deep.
import { describe, expect, it } from 'vitest';
import { payloadText } from './payload-text.js';

describe('payloadText', () => {
  it('is JSON.stringify for ordinary payloads', () => {
    for (const value of [null, 1, 'a\ud800', [1, { a: [true, null] }], { '': {}, b: [] }])
      expect(payloadText(value)).toBe(JSON.stringify(value));
  });

  it('writes payloads nested deeper than JSON.stringify can go, and they parse back', () => {
    const depth = 50_000;
    const text = `{"id":"x","v":${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}}`;
    const parsed: unknown = JSON.parse(text);
    expect(() => JSON.stringify(parsed)).toThrow(RangeError);
    expect(payloadText(parsed)).toBe(text);
  });
});
