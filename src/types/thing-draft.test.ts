import { describe, expect, it } from 'vitest';
import { ThingDraft } from './thing-draft.js';

describe('ThingDraft', () => {
  it('writes copy-on-write, leaving the original thing as it was', () => {
    const original = {
      attributes: { a: 1 },
      features: { p: { properties: { w: 5 } }, o: { properties: {} } },
    };
    const snapshot = structuredClone(original);
    const draft = new ThingDraft(original);
    draft.set(['features', 'p', 'properties', 'kw'], 0.005);
    draft.set(['features', 'p', 'properties', 'x'], 1);
    draft.set(['features', 'q', 'properties', 'y'], 2);
    draft.remove(['attributes', 'a']);
    draft.remove(['attributes', 'missing', 'deeper']);
    expect(original).toEqual(snapshot);
    expect(draft.thing).toEqual({
      attributes: {},
      features: {
        p: { properties: { w: 5, kw: 0.005, x: 1 } },
        o: { properties: {} },
        q: { properties: { y: 2 } },
      },
    });
    expect(draft.get(['features', 'p', 'properties', 'x'])).toBe(1);
    // Untouched branches are shared, not copied.
    expect((draft.thing.features as Record<string, unknown>).o).toBe(original.features.o);
  });

  it('replaces a non-object on the way', () => {
    const draft = new ThingDraft({ attributes: { a: 5 } });
    draft.set(['attributes', 'a', 'b'], 1);
    expect(draft.thing).toEqual({ attributes: { a: { b: 1 } } });
  });
});
