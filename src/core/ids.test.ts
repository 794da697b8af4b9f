import { describe, expect, it } from 'vitest';
import { assertKey, isValidNamespace, isValidNamespacedId } from './ids.js';

describe('ids', () => {
  it('accepts Ditto namespaced ids', () => {
    for (const id of [
      'org.eclipse:thing',
      'my-ns.sub:x',
      ':empty-namespace',
      'a:b:c',
      "a:-@&=+,.!~*'$_;<>",
      'a:%3A',
      `a:${'x'.repeat(254)}`,
    ]) {
      expect(isValidNamespacedId(id), id).toBe(true);
    }
  });

  it('rejects bad namespaces, names, slashes, control characters and ids over 256 chars', () => {
    for (const id of [
      'nocolon',
      '1abc:x',
      '.abc:x',
      'abc.:x',
      'a..b:x',
      'a:',
      'a:b/c',
      'a:b\u0000',
      'a:\u00e4',
      `a:${'x'.repeat(255)}`,
    ]) {
      expect(isValidNamespacedId(id), id).toBe(false);
    }
    expect(isValidNamespace('org.example')).toBe(true);
    expect(isValidNamespace('org..example')).toBe(false);
  });

  it('validates JSON keys', () => {
    expect(() => assertKey('ok key €')).not.toThrow();
    expect(() => assertKey('a/b')).toThrow(/JSON key/);
    expect(() => assertKey('\u007f')).toThrow(/JSON key/);
    expect(() => assertKey('k'.repeat(257))).toThrow(/JSON key/);
  });
});
