// The members a twin's stored JSON holds beside its values that a thing's JSON never shows: its
// metadata (`_metadata`, read with get-metadata or fields) and its relations (`_relations`, read
// through /things/{id}/relations only).
import { isJsonObject, type JsonValue } from './json.js';
import { METADATA } from './metadata.js';
import { RELATIONS } from './relations.js';

/** A thing's JSON as shown: without its metadata and relations (the value itself when it has none). */
export function withoutHiddenMembers(value: JsonValue): JsonValue {
  if (!isJsonObject(value) || (value[METADATA] === undefined && value[RELATIONS] === undefined))
    return value;
  const copy = { ...value };
  delete copy[METADATA];
  delete copy[RELATIONS];
  return copy;
}
