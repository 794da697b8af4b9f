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

/** True for a valid namespaced id `namespace:name` (things and policies). */
export function isValidNamespacedId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && ID_PATTERN.test(id);
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

/** A definition identifier `namespace:name:version`. */
export function assertDefinition(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !DEFINITION_PATTERN.test(value)) {
    throw errors.definitionInvalid(typeof value === 'string' ? value : JSON.stringify(value));
  }
}
