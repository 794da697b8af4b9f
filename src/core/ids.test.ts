import { describe, expect, it } from 'vitest';
import { assertFeatureId, assertKey, isValidNamespace, isValidNamespacedId } from './ids.js';

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

  const INVISIBLE = [
    '\u202A',
    '\u202B',
    '\u202C',
    '\u202D',
    '\u202E', // bidi embeddings and overrides
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069', // bidi isolates
    '\u200E',
    '\u200F',
    '\u061C', // bidi marks
    '\u200B',
    '\u200C',
    '\u200D',
    '\u2060',
    '\uFEFF', // zero-width characters
    '\u0085',
    '\u2028',
    '\u2029',
    '\uD800',
    '\uDC00',
    '\uFFFF',
    '\u{E0041}',
  ];

  it('rejects bidi controls and other invisible characters in thing, policy and feature ids', () => {
    for (const ch of INVISIBLE) {
      const code = ch.codePointAt(0)!.toString(16);
      expect(isValidNamespacedId(`org.x:abc${ch}gpj.exe`), code).toBe(false);
      expect(() => assertFeatureId(`lamp${ch}`), code).toThrow(/JSON key/);
    }
  });

  it('still accepts ordinary ids with letters, symbols and emoji above U+00FF', () => {
    for (const id of [
      'org.x:Pumpe-Ő1',
      'org.x:ポンプ',
      'org.x:насос',
      'org.x:مضخة',
      'org.x:pump-🙂',
      'org.x:b c',
    ]) {
      expect(isValidNamespacedId(id), id).toBe(true);
      expect(() => assertFeatureId(id.slice(6)), id).not.toThrow();
    }
  });
});
