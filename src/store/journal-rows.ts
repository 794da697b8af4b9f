// The rows both journal adapters store events and thing states as, and how they read back.
import type { TwinEvent } from '../core/events.js';
import type { JsonValue } from '../core/json.js';
import { parsePointer } from '../core/json-pointer.js';
import type { ChangeAction } from '../core/thing-change.js';
import type { StoredThing } from './journal.js';

/** An event row: the path as a JSON pointer, the value as JSON text. */
export interface EventRow {
  /** Null only in an SQLite journal written before events had positions (until it is numbered). */
  seq: number | null;
  thing_id: string;
  revision: number;
  ts: number;
  action: ChangeAction;
  path: string;
  value: string | null;
  originator: string | null;
  /** When the event's values were observed (epoch ms), or null when ingest took no such time. */
  observed_at: number | null;
}

/** A thing state row (current or snapshot); `json` is null once deleted. */
export interface ThingRow {
  thing_id: string;
  revision: number;
  created: number;
  modified: number;
  json: string | null;
}

export function toEvent(row: EventRow): TwinEvent {
  const event: TwinEvent = {
    thingId: row.thing_id,
    revision: row.revision,
    timestamp: row.ts,
    action: row.action,
    path: row.path === '/' ? [] : parsePointer(row.path),
  };
  if (row.seq !== null) event.seq = row.seq;
  if (row.value !== null) event.value = JSON.parse(row.value) as JsonValue;
  if (row.originator !== null) event.originator = row.originator;
  if (row.observed_at !== null) event.observedAt = row.observed_at;
  return event;
}

export function toStored(row: ThingRow): StoredThing {
  return {
    thingId: row.thing_id,
    revision: row.revision,
    created: row.created,
    modified: row.modified,
    json: row.json,
  };
}
