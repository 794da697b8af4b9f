// How the SQL search indexes store strings and keys: an order-preserving string code, and object keys
// that any JSON path of SQLite or PostgreSQL can address.
import { isAddressableKey } from '../../rql/evaluate.js';

/**
 * Strings whose code units all stay as they are: no U+0000, U+0001, and nothing at or above U+D800
 * (surrogates and U+E000–U+FFFF, where UTF-8 byte order and UTF-16 code unit order part ways).
 */
const PLAIN = /^[^\u0000\u0001\uD800-\uFFFF]*$/;

/**
 * The string as the SQL indexes store it. Each UTF-16 code unit u becomes: U+0001 U+0001 for u = 0,
 * U+0001 U+0002 for u = 1, itself for 2…U+D7FF, and the code point U+10000 + (u − 0xD800) for
 * U+D800…U+FFFF. The images are ordered as the code units and none is a prefix of another, so the
 * code point (byte) order of the results, SQLite's BINARY and PostgreSQL's `COLLATE "C"`, is the
 * UTF-16 code unit order of the originals that JavaScript (and the memory index) compares by;
 * equality is kept too. The result has no NUL and no lone surrogate, which PostgreSQL's jsonb
 * refuses. Almost every string is plain and returned as it is.
 *
 * @example encodeIndexString('\uE000') // '\u{10800}'
 */
export function encodeIndexString(s: string): string {
  if (PLAIN.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u === 0) out += '\u0001\u0001';
    else if (u === 1) out += '\u0001\u0002';
    else if (u < 0xd800) out += s[i];
    else out += String.fromCodePoint(0x10000 + (u - 0xd800));
  }
  return out;
}

/** The original of an {@link encodeIndexString} result. */
export function decodeIndexString(s: string): string {
  if (PLAIN.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    if (cp === 1) {
      out += s.charCodeAt(i + 1) === 1 ? '\u0000' : '\u0001';
      i++;
    } else if (cp >= 0x10000) {
      out += String.fromCharCode(cp - 0x10000 + 0xd800);
      i++; // the second unit of the stored surrogate pair
    } else {
      out += s[i];
    }
  }
  return out;
}

/**
 * Keys stored as they are: no `"`, `\`, `~` or control character (SQLite's quoted path labels stop
 * at `"`), and not readable as an integer (PostgreSQL's `#>` would index an array with it).
 */
const PLAIN_KEY = /^(?![\s]*[+-]?[0-9])[^"\\~\u0000-\u001f]+$/;

/**
 * The stored form of an addressable object key (see {@link isAddressableKey}): the key itself when
 * plain, else `~` and the hex of its UTF-16 code units. Injective, never contains `/`.
 *
 * @example encodeIndexKey('0') // '~0030'
 */
export function encodeIndexKey(key: string): string {
  if (PLAIN_KEY.test(key)) return encodeIndexString(key);
  let out = '~';
  for (let i = 0; i < key.length; i++) out += key.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

function decodeIndexKey(key: string): string {
  if (key.startsWith('/')) return key; // a key no path can address: kept only to count as one
  if (!key.startsWith('~')) return decodeIndexString(key);
  let out = '';
  for (let i = 1; i < key.length; i += 4)
    out += String.fromCharCode(parseInt(key.slice(i, i + 4), 16));
  return out;
}

/**
 * A JSON value with every string encoded by {@link encodeIndexString} and every key by
 * {@link encodeIndexKey}. Keys no RQL path can address (empty, or with `/`) become `/0`, `/1`, …:
 * they still make their object non-empty, and the wildcard `*` skips them as it skips the originals.
 * What JSON cannot hold (undefined, functions) is dropped from objects, as the memory index drops it.
 */
export function encodeIndexDocument(value: unknown): unknown {
  if (typeof value === 'string') return encodeIndexString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(encodeIndexDocument);
  // No prototype: a `__proto__` key is a key like any other.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let hidden = 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out[isAddressableKey(key) ? encodeIndexKey(key) : `/${hidden++}`] = encodeIndexDocument(v);
  }
  return out;
}

/**
 * The document an {@link encodeIndexDocument} result came from, as RQL sees it: every addressable
 * key and every value as it was (unaddressable keys stay `/0`, `/1`, …, which no path reaches).
 */
export function decodeIndexDocument(value: unknown): unknown {
  if (typeof value === 'string') return decodeIndexString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeIndexDocument);
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[decodeIndexKey(key)] = decodeIndexDocument(v);
  }
  return out;
}

/** The namespace of a thing id, as the memory index takes it: what is before the first `:`. */
export function namespaceOf(thingId: string): string {
  const colon = thingId.indexOf(':');
  return colon < 0 ? '' : thingId.slice(0, colon);
}
