// Ditto's `fields` selector: `thingId,attributes/location(lat,lon),features/*/properties/on`.
import { errors } from './error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { ALERTS } from './alerts.js';
import { RELATIONS } from './relations.js';

/** A parsed selector: one segment list per selected pointer; `*` segments match any key. */
export type FieldSelector = string[][];

const MAX_SELECTOR_LENGTH = 10_000;

/** Parses a field selector; throws `json.fieldselector.invalid` on unbalanced or empty input. */
export function parseFields(text: string): FieldSelector {
  if (text === '' || text.length > MAX_SELECTOR_LENGTH) throw errors.fieldSelectorInvalid(text);
  const pointers: string[][] = [];
  const seen = new Set<string>();
  for (const pointer of expand(text, text)) {
    const key = pointer.join('/');
    if (!seen.has(key)) {
      seen.add(key);
      pointers.push(pointer);
    }
  }
  return pointers;
}

function expand(text: string, whole: string): string[][] {
  const result: string[][] = [];
  for (const part of splitTopLevel(text, whole)) {
    const open = part.indexOf('(');
    if (open === -1) {
      result.push(segmentsOf(part, whole));
      continue;
    }
    if (!part.endsWith(')')) throw errors.fieldSelectorInvalid(whole);
    const root = segmentsOf(part.slice(0, open), whole, true);
    for (const inner of expand(part.slice(open + 1, -1), whole)) result.push([...root, ...inner]);
  }
  return result;
}

function splitTopLevel(text: string, whole: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) throw errors.fieldSelectorInvalid(whole);
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw errors.fieldSelectorInvalid(whole);
  parts.push(text.slice(start));
  return parts;
}

function segmentsOf(pointer: string, whole: string, allowEmpty = false): string[] {
  const trimmed = pointer.startsWith('/') ? pointer.slice(1) : pointer;
  if (trimmed === '') {
    if (allowEmpty) return [];
    throw errors.fieldSelectorInvalid(whole);
  }
  const segments = trimmed.split('/');
  if (segments.some((s) => s === '')) throw errors.fieldSelectorInvalid(whole);
  return segments;
}

/** Copies the selected paths of `source` into a new object, keeping their nesting. */
export function projectFields(source: object, selector: FieldSelector): JsonObject {
  const result: JsonObject = {};
  for (const pointer of selector) copyPath(source as JsonObject, result, pointer, 0);
  return result;
}

function copyPath(source: JsonObject, target: JsonObject, pointer: string[], depth: number): void {
  const key = pointer[depth];
  const keys =
    key === '*'
      ? Object.keys(source)
      : Object.prototype.hasOwnProperty.call(source, key)
        ? [key]
        : [];
  for (const k of keys) {
    // A twin's relations are read through /things/{id}/relations, never selected as a field.
    if (depth === 0 && (k === RELATIONS || k === ALERTS)) continue;
    const value = source[k];
    if (depth === pointer.length - 1) {
      target[k] = value;
      continue;
    }
    if (!isJsonObject(value)) continue;
    const existing = target[k];
    const child: JsonObject = isJsonObject(existing) ? existing : {};
    copyPath(value, child, pointer, depth + 1);
    if (Object.keys(child).length > 0) target[k] = child;
  }
}

/** Projects any JSON value: objects by the selector, other values unchanged. */
export function projectValue(value: JsonValue, selector: FieldSelector | undefined): JsonValue {
  if (!selector || !isJsonObject(value)) return value;
  return projectFields(value, selector);
}
