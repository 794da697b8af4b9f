// The metadata tree: header parsing, Ditto's wildcard forms and their expansion, and how changes
// to values carry their metadata along.
import { describe, expect, it } from 'vitest';
import {
  applyMetadataCommand,
  assertWildcard,
  expandKey,
  parseMetadataKeys,
  parsePutMetadata,
  removeMetadataAt,
  selectMetadata,
} from './metadata.js';
import { applyChange } from './thing-change.js';

describe('metadata', () => {
  it('parses put-metadata entries and key lists, with or without a leading slash', () => {
    expect(parsePutMetadata('[{"key":"/a/b","value":1},{"key":"c","value":null}]')).toEqual([
      { key: ['a', 'b'], value: 1 },
      { key: ['c'], value: null },
    ]);
    expect(parseMetadataKeys('a/b, /c', 'get-metadata')).toEqual([['a', 'b'], ['c']]);
    for (const bad of ['', '{}', '[1]', '[{"key":"a"}]', '[{"key":"a//b","value":1}]'])
      expect(() => parsePutMetadata(bad), bad).toThrow(/put-metadata/);
  });

  it('accepts only the wildcard forms Ditto accepts at each level', () => {
    const ok: [string[], string][] = [
      [[], '*/k'],
      [[], 'attributes/*/k'],
      [[], 'features/*/properties/*/k'],
      [[], 'features/f/desiredProperties/*/k'],
      [[], 'features/*/properties/p/k'],
      [['features'], '*/properties/*/k'],
      [['features', 'f'], 'properties/*/k'],
      [['attributes'], '*/k'],
    ];
    for (const [resource, key] of ok)
      expect(() => assertWildcard(resource, key.split('/'), 'put-metadata'), key).not.toThrow();
    const bad: [string[], string][] = [
      [[], 'features/*/*/k'],
      [[], '*'],
      [['attributes'], 'a/*/k'],
      [['features', 'f'], '*/*/k'],
    ];
    for (const [resource, key] of bad)
      expect(() => assertWildcard(resource, key.split('/'), 'put-metadata'), key).toThrow(
        /wildcard expression/,
      );
    expect(() => assertWildcard([], ['*'], 'delete-metadata')).not.toThrow();
  });

  it('expands a leading * over the leaves of the values, another * over one level', () => {
    const values = { a: { b: 1, c: [1] }, d: {}, e: null };
    expect(expandKey(['*', 'k'], values)).toEqual([
      ['a', 'b', 'k'],
      ['a', 'c', 'k'],
      ['d', 'k'],
    ]);
    expect(expandKey(['x', '*', 'k'], { x: { y: 1, z: 2 } })).toEqual([
      ['x', 'y', 'k'],
      ['x', 'z', 'k'],
    ]);
    expect(expandKey(['plain'], {})).toEqual([['plain']]);
  });

  it('puts into and deletes from the metadata at the resource, pruning what is left empty', () => {
    const tree = { attributes: { a: { old: 1 } } };
    const put = applyMetadataCommand(
      tree,
      ['attributes'],
      { put: [{ key: ['*', 'new'], value: 2 }] },
      { a: 1, b: 2 },
      { a: 1, b: 2 },
    );
    expect(put).toEqual({ attributes: { a: { old: 1, new: 2 }, b: { new: 2 } } });
    expect(tree).toEqual({ attributes: { a: { old: 1 } } });
    const deleted = applyMetadataCommand(
      put,
      ['attributes'],
      { delete: [['*', 'new']] },
      undefined,
      {
        a: 1,
        b: 2,
      },
    );
    expect(deleted).toEqual({ attributes: { a: { old: 1 } } });
    expect(applyMetadataCommand(put, ['attributes'], { delete: [['*']] }, undefined, {})).toEqual(
      {},
    );
    expect(selectMetadata(put, ['attributes'], [['a', 'old'], ['b']], { a: 1, b: 2 })).toEqual({
      a: { old: 1 },
      b: { new: 2 },
    });
  });

  it('removes the metadata of the values a change removes, and nothing for things without any', () => {
    const thing = {
      thingId: 'ns:t',
      attributes: { a: 1, b: { c: 2 } },
      _metadata: { attributes: { a: { m: 1 }, b: { c: { m: 2 } } } },
    };
    expect(applyChange(thing, { action: 'deleted', path: ['attributes', 'a'] })).toEqual({
      thingId: 'ns:t',
      attributes: { b: { c: 2 } },
      _metadata: { attributes: { b: { c: { m: 2 } } } },
    });
    const merged = applyChange(thing, {
      action: 'merged',
      path: ['attributes'],
      value: { b: { c: null } },
    });
    expect(merged?._metadata).toEqual({ attributes: { a: { m: 1 } } });
    const emptied = applyChange(thing, { action: 'modified', path: ['attributes'], value: {} });
    expect(emptied).not.toHaveProperty('_metadata');
    const kept = applyChange(thing, { action: 'modified', path: ['attributes', 'a'], value: 5 });
    expect(kept?._metadata).toBe(thing._metadata);
    const plain = { thingId: 'ns:p', attributes: { a: 1 } };
    expect(applyChange(plain, { action: 'deleted', path: ['attributes', 'a'] })).toEqual({
      thingId: 'ns:p',
      attributes: {},
    });
    expect(removeMetadataAt(plain, ['attributes'])).toBe(plain);
  });
});
