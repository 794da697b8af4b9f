import { describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import { eventEnvelope, eventEnvelopeText } from './ditto-protocol.js';

describe('ditto protocol', () => {
  it('writes the text of an event envelope as JSON.stringify does, once per event', () => {
    const base = { thingId: 'org.x:lamp', revision: 3, timestamp: 1_764_000_000_123 };
    const events: TwinEvent[] = [
      { ...base, action: 'merged', path: [], value: { features: { f: { properties: { v: 1 } } } } },
      { ...base, action: 'created', path: [], value: { attributes: { a: 'x' }, _metadata: {} } },
      { ...base, action: 'modified', path: ['attributes', 'n'], value: 0 },
      { ...base, action: 'modified', path: ['attributes', 'n'], value: null },
      { ...base, action: 'modified', path: ['attributes', 's'], value: 'é "q"' },
      { ...base, action: 'deleted', path: ['attributes', 'n'] },
      { ...base, action: 'deleted', path: [] },
      { ...base, action: 'created', path: [], value: undefined, originator: 'nginx:ditto' },
    ];
    for (const event of events) {
      const text = eventEnvelopeText(event);
      expect(text).toBe(JSON.stringify(eventEnvelope(event)));
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(eventEnvelope(event))));
      expect(eventEnvelopeText(event)).toBe(text);
    }
  });
});
