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

  it('copies each object on a written path once', () => {
    const draft = new ThingDraft({ features: { p: { properties: { w: 5 } } } });
    draft.set(['features', 'p', 'properties', 'a'], 1);
    const properties = draft.get(['features', 'p', 'properties']);
    const root = draft.thing;
    draft.set(['features', 'p', 'properties', 'b'], 2);
    draft.merge(['features', 'p'], { properties: { c: 3 } });
    expect(draft.get(['features', 'p', 'properties'])).toBe(properties);
    expect(draft.thing).toBe(root);
    expect(properties).toEqual({ w: 5, a: 1, b: 2, c: 3 });
  });

  it('with a base, edits in place the objects the change made and copies those it shares', () => {
    const base = {
      attributes: { a: 1 },
      features: { p: { properties: { w: 5 } }, o: { properties: { v: 1 } } },
    };
    const baseCopy = structuredClone(base);
    // What a telemetry merge of p's w makes of base: new objects down to p's properties.
    const made = { properties: { w: 6 } };
    const after = { ...base, features: { ...base.features, p: made } };
    const draft = new ThingDraft(after, null, base);
    draft.set(['features', 'p', 'properties', 'kw'], 0.006);
    draft.set(['features', 'o', 'properties', 'x'], 2);
    draft.merge(['attributes'], { b: 2 });
    expect(draft.thing).toBe(after);
    expect(after.features.p).toBe(made);
    expect(made.properties).toEqual({ w: 6, kw: 0.006 });
    // Shared with the base: copied, the base as it was.
    expect(after.features.o).not.toBe(base.features.o);
    expect(after.features.o).toEqual({ properties: { v: 1, x: 2 } });
    expect(after.attributes).toEqual({ a: 1, b: 2 });
    expect(base).toEqual(baseCopy);
  });

  it('writes and reads where the thing is after a merge or a write replaced the last written object', () => {
    const draft = new ThingDraft({ features: { p: { properties: { w: 5 } } } });
    draft.set(['features', 'p', 'properties', 'a'], 1);
    draft.merge(['features', 'p'], { properties: null });
    expect(draft.get(['features', 'p', 'properties', 'a'])).toBeUndefined();
    draft.set(['features', 'p', 'properties', 'b'], 2);
    expect(draft.thing).toEqual({ features: { p: { properties: { b: 2 } } } });
    draft.set(['features', 'p'], 5);
    expect(draft.get(['features', 'p', 'properties', 'b'])).toBeUndefined();
    expect(draft.at(['features', 'p', 'properties'])).toBeUndefined();
    draft.set(['features', 'p', 'properties', 'c'], 3);
    draft.remove(['features', 'p']);
    expect(draft.at(['features', 'p', 'properties'])).toBeUndefined();
    draft.set(['features', 'p', 'properties', 'd'], 4);
    expect(draft.at(['features', 'p', 'properties'])).toEqual({ d: 4 });
    expect(draft.thing).toEqual({ features: { p: { properties: { d: 4 } } } });
  });
});
