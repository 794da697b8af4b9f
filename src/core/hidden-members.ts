// The members a twin's stored JSON holds beside its values that a thing's JSON never shows: its
// metadata (`_metadata`, read with get-metadata or fields), its relations (`_relations`, read
// through /things/{id}/relations only) and its alerts (`_alerts`, read through /alerts; shown in
// the events that change them).
import { ALERTS } from './alerts.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { METADATA } from './metadata.js';
import { RELATIONS } from './relations.js';

export const HIDDEN_MEMBERS: readonly string[] = [METADATA, RELATIONS, ALERTS];

/**
 * A thing's JSON as shown: without its hidden members (the value itself when it has none); those
 * named in `keep` stay.
 */
export function withoutHiddenMembers(value: JsonValue, keep?: string): JsonValue {
  if (!isJsonObject(value)) return value;
  let copy: JsonObject | null = null;
  for (const member of HIDDEN_MEMBERS) {
    if (member === keep || value[member] === undefined) continue;
    copy ??= { ...value };
    delete copy[member];
  }
  return copy ?? value;
}
