// Relations: named, directed edges from a twin to other twins, kept in the source twin's own state
// as the hidden member `_relations` (`{ name: { targetThingId: properties } }`), beside its values
// as `_metadata` is; so adding or removing one is an ordinary, journaled change of the source.
import { errors } from './error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { deleteAt, getAt } from './json-pointer.js';

/** The key of a twin's outgoing relations in its stored JSON (never shown in the thing's JSON). */
export const RELATIONS = '_relations';

const RELATION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Most levels a relation walk may go (`depth`). */
export const MAX_RELATION_DEPTH = 16;

/** One outgoing relation of a twin. */
export interface Relation {
  name: string;
  target: string;
  properties: JsonObject;
}

/** Throws 400 unless `name` is 1 to 64 of `A-Z a-z 0-9 _ . -` (and not `__proto__`). */
export function assertRelationName(name: string): void {
  // `__proto__` would set an object's prototype, not a member, when the state is copied.
  if (!RELATION_NAME.test(name) || name === '__proto__') throw errors.relationNameInvalid(name);
}

/** The path of a relation inside its source twin's state. */
export function relationPath(name: string, target: string): string[] {
  return [RELATIONS, name, target];
}

/** True for a change inside a twin's relations (e.g. `['_relations', 'partOf', 'dc:hall-1']`). */
export function isRelationPath(path: readonly string[]): boolean {
  return path.length > 0 && path[0] === RELATIONS;
}

/** The outgoing relations held in a twin's state (none for a missing twin). */
export function relationsOf(thing: JsonObject | null | undefined): Relation[] {
  const table = thing?.[RELATIONS];
  if (!isJsonObject(table)) return [];
  const result: Relation[] = [];
  for (const [name, targets] of Object.entries(table)) {
    if (!isJsonObject(targets)) continue;
    for (const [target, properties] of Object.entries(targets))
      result.push({ name, target, properties: isJsonObject(properties) ? properties : {} });
  }
  return result;
}

/**
 * `thing` after a relation at `path` was deleted: the name left without targets goes, and the
 * `_relations` member left without names, so that no empty object stays behind (nor is replayed).
 */
export function prunedRelations(thing: JsonObject, path: readonly string[]): JsonObject {
  let result = thing;
  for (let depth = path.length - 1; depth > 0; depth--) {
    const parent = getAt(result, path.slice(0, depth));
    if (!isJsonObject(parent) || Object.keys(parent).length > 0) break;
    result = deleteAt(result, path.slice(0, depth));
  }
  return result;
}

/** Throws 400 unless the properties of a relation are a JSON object. */
export function assertRelationProperties(value: JsonValue): void {
  if (!isJsonObject(value)) throw errors.relationPropertiesInvalid();
}
