// Applies Ditto Protocol events to a thing's JSON: the live view and the journal's replay share it.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A Ditto Protocol event as /ws/2 and the history route send it. */
export interface ThingEvent {
  topic: string;
  path: string;
  value?: Json;
  revision: number;
  timestamp?: string;
  headers?: Record<string, string>;
}

/** The thingId of an event's topic (`ns/name/things/twin/events/modified` → `ns:name`). */
export function thingIdOf(event: ThingEvent): string {
  const [namespace, name] = event.topic.split('/');
  return `${namespace}:${name}`;
}

/** The action of an event's topic: created, modified, merged or deleted. */
export function actionOf(event: ThingEvent): string {
  return event.topic.split('/')[5] ?? '';
}

/** A JSON pointer's keys (`/features/a~1b` → ['features', 'a/b']). */
export function pointerKeys(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path
    .replace(/^\//, '')
    .split('/')
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The pointer of keys (inverse of {@link pointerKeys}). */
export function pointerOf(keys: string[]): string {
  return '/' + keys.map((key) => key.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a pointer, or undefined. */
export function valueAt(root: Json | undefined, path: string): Json | undefined {
  let node = root;
  for (const key of pointerKeys(path)) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The thing after one event (a new object; the argument is not changed); null once deleted. */
export function applyEvent(thing: JsonObject | null, event: ThingEvent): JsonObject | null {
  const action = actionOf(event);
  const keys = pointerKeys(event.path);
  const change = (node: Json | undefined, rest: string[]): Json | undefined => {
    if (rest.length === 0) {
      if (action === 'deleted') return undefined;
      if (action === 'merged') return mergePatch(node, event.value ?? null);
      return event.value ?? null;
    }
    const copy: JsonObject = isObject(node) ? { ...node } : {};
    const next = change(copy[rest[0]], rest.slice(1));
    if (next === undefined) delete copy[rest[0]];
    else copy[rest[0]] = next;
    return copy;
  };
  const result = change(thing ?? undefined, keys);
  if (!isObject(result)) return null;
  return { ...result, _revision: event.revision };
}
