// JSON pointers: escaping both ways, and copy-on-write edits that leave the original untouched.
import { describe, expect, it } from 'vitest';
import { deleteAt, formatPointer, getAt, parsePointer, setAt } from './json-pointer.js';

describe('json pointers', () => {
  it('formats and parses segments with ~ and / escaped', () => {
    expect(formatPointer([])).toBe('/');
    expect(formatPointer(['a', 'b'])).toBe('/a/b');
    expect(formatPointer(['a/b', 'c~d', '~/'])).toBe('/a~1b/c~0d/~0~1');
    expect(parsePointer('/a~1b/c~0d/~0~1')).toEqual(['a/b', 'c~d', '~/']);
    expect(parsePointer('/')).toEqual([]);
  });

  it('setAt copies only the path, creates missing objects and replaces non-objects', () => {
    const root = { a: { b: { c: 1 }, keep: { x: 1 } }, other: { y: 2 }, scalar: 3 };
    const next = setAt(root, ['a', 'b', 'c'], 2);
    expect(next).toEqual({ a: { b: { c: 2 }, keep: { x: 1 } }, other: { y: 2 }, scalar: 3 });
    expect(root.a.b.c).toBe(1);
    expect(next.other).toBe(root.other);
    expect((next.a as typeof root.a).keep).toBe(root.a.keep);
    expect(setAt(root, ['new', 'deep'], true)).toMatchObject({ new: { deep: true } });
    expect(setAt(root, ['scalar', 'inner'], 'v')).toMatchObject({ scalar: { inner: 'v' } });
    expect(root.scalar).toBe(3);
    expect(() => setAt(root, [], 5)).toThrow(TypeError);
  });

  it('deleteAt removes the value in a copy, and returns the same object when nothing is there', () => {
    const root = { a: { b: 1, c: 2 }, d: 3 };
    const next = deleteAt(root, ['a', 'b']);
    expect(next).toEqual({ a: { c: 2 }, d: 3 });
    expect(getAt(root, ['a', 'b'])).toBe(1);
    expect(deleteAt(root, ['a', 'missing'])).toBe(root);
    expect(deleteAt(root, ['d', 'below-a-scalar'])).toBe(root);
    expect(deleteAt(root, ['d'])).toEqual({ a: { b: 1, c: 2 } });
  });
});
