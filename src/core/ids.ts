// Ditto's rules for namespaced ids (things, policies), JSON keys, feature ids and definitions.
import { errors } from './error-registry.js';
import { isJsonObject, type JsonValue } from './json.js';

export const MAX_ID_LENGTH = 256;

const NAMESPACE = '(?:|[a-zA-Z]\\w*(?:[.\\-][a-zA-Z]\\w*)*)';
const NAME_CHAR = '(?:[^\\x00-\\x1F\\x7F-\\xFF/]|%[0-9a-fA-F]{2})';
const ID_PATTERN = new RegExp(`^${NAMESPACE}:${NAME_CHAR}+$`);
const NAMESPACE_PATTERN = new RegExp(`^${NAMESPACE}$`);
const KEY_PATTERN = /^[^\x00-\x1F\x7F-\xFF/]+$/;
const DEFINITION_PATTERN = /^[_a-zA-Z0-9\-.]+:[_a-zA-Z0-9\-.]+:[_a-zA-Z0-9\-.]+$/;
/**
 * Characters an id may not hold beyond Ditto's rules: controls (Cc), invisible format characters
 * (Cf: the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks
 * U+200E/U+200F and U+061C, zero-width characters, U+FEFF, …), line and paragraph separators,
 * lone surrogates and the noncharacters U+FFFE/U+FFFF. They make an id display as another one
 * (`ns:abc\u202Egpj.exe` reads `ns:abcexe.jpg`) or not at all.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFE\uFFFF]/u;

/**
 * True for a valid namespaced id `namespace:name` (things and policies): Ditto's rules, and no
 * invisible or control characters (Ditto allows those above U+00FF).
 */
export function isValidNamespacedId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && ID_PATTERN.test(id) && !INVISIBLE.test(id);
}

export function isValidNamespace(namespace: string): boolean {
  return namespace.length <= MAX_ID_LENGTH && NAMESPACE_PATTERN.test(namespace);
}

export function assertThingId(id: string): void {
  if (!isValidNamespacedId(id)) throw errors.thingIdInvalid(id);
}

export function assertPolicyId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !isValidNamespacedId(id)) throw errors.policyIdInvalid(String(id));
}

/** Validates one JSON key (attribute, property or feature id): no slash, no control characters, ≤ 256. */
export function assertKey(key: string): void {
  if (key.length > MAX_ID_LENGTH)
    throw errors.jsonKeyInvalid(key, 'Not allowed to exceed length of 256.');
  if (!KEY_PATTERN.test(key)) {
    throw errors.jsonKeyInvalid(key, 'Neither slashes nor any control characters are allowed.');
  }
  // Assigning `__proto__` replaces an object's prototype instead of adding a key: the value
  // would be acknowledged but never stored. (Ditto allows it; our JSON parser already refuses it in bodies.)
  if (key === '__proto__') throw errors.jsonKeyInvalid(key, "The key '__proto__' is reserved.");
}

/** Validates every key of every object nested in `value` (arrays are not entered, as in Ditto). */
export function assertKeysDeep(value: JsonValue): void {
  if (!isJsonObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    assertKey(key);
    assertKeysDeep(child);
  }
}

/** Validates a feature id: a JSON key ({@link assertKey}) without invisible or control characters. */
export function assertFeatureId(featureId: string): void {
  assertKey(featureId);
  if (INVISIBLE.test(featureId)) {
    throw errors.jsonKeyInvalid(
      featureId,
      'A feature id may hold no invisible or control characters (such as U+202E or U+200B).',
    );
  }
}

/**
 * True for an HTTP(S) URL with a host, as Ditto allows for definitions (the WoT Thing Models);
 * only the form is checked, nothing is fetched.
 */
function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /[\s\x00-\x1F\x7F]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A definition identifier: `namespace:name:version`, or an HTTP(S) URL (Ditto's WoT integration). */
export function assertDefinition(value: unknown): asserts value is string {
  if (
    typeof value !== 'string' ||
    !(DEFINITION_PATTERN.test(value) || (value.length <= 2048 && isHttpUrl(value)))
  ) {
    throw errors.definitionInvalid(typeof value === 'string' ? value : JSON.stringify(value));
  }
}
