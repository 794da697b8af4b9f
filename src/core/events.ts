// Events: one journaled change of one twin, named with Ditto's event vocabulary.
import type { JsonValue } from './json.js';
import { formatPointer } from './json-pointer.js';
import { ALERTS, withWholeAlerts } from './alerts.js';
import { withoutHiddenMembers } from './hidden-members.js';
import { isRelationPath } from './relations.js';
import type { ChangeAction, ThingChange } from './thing-change.js';
import { isoTime } from './thing.js';

/** A journaled event. `timestamp` is epoch milliseconds. */
export interface TwinEvent extends ThingChange {
  thingId: string;
  revision: number;
  timestamp: number;
  /** The subject that caused the change (Ditto's `ditto-originator`). */
  originator?: string;
  /**
   * The event's global position in the journal: gap-free and increasing in commit order across all
   * twins, kept with the event forever. Set once the event is queued for commit.
   */
  seq?: number;
  /**
   * The custom acknowledgements the write asked subscribers for (Ditto's `requested-acks`), with
   * its correlation-id; held in memory only, for the subscribers that receive the event live.
   */
  ackRequest?: { correlationId: string; labels: readonly string[] };
  /**
   * When the values it sets were observed (epoch ms), when ingest took that from the payload; the
   * series keep the values at that time. Journaled with the event, so an event read back (a replay
   * after a crash, a consumer re-reading the journal, history) has it too; absent when ingest took
   * no time from the payload. Internal: Ditto's event JSON has no place for it, so it is not sent.
   */
  observedAt?: number;
}

const ACTION_SUFFIX: Record<ChangeAction, string> = {
  created: 'Created',
  modified: 'Modified',
  merged: 'Merged',
  deleted: 'Deleted',
};

/**
 * The Ditto event name of a change, e.g. `things.events:featurePropertyModified`; a relation's
 * (a Twinfold extension) is `things.events:relationModified` or `things.events:relationDeleted`.
 */
export function eventType(change: ThingChange): string {
  const p = change.path;
  const action = ACTION_SUFFIX[change.action];
  let subject: string;
  if (change.action === 'merged') subject = 'thing';
  else if (p.length === 0) subject = 'thing';
  else if (isRelationPath(p)) subject = 'relation';
  else if (p[0] === 'policyId') subject = 'policyId';
  else if (p[0] === 'definition') subject = 'thingDefinition';
  else if (p[0] === 'attributes') subject = p.length === 1 ? 'attributes' : 'attribute';
  else if (p.length === 1) subject = 'features';
  else if (p.length === 2) subject = 'feature';
  else if (p[2] === 'definition') subject = 'featureDefinition';
  else if (p[2] === 'properties')
    subject = p.length === 3 ? 'featureProperties' : 'featureProperty';
  else subject = p.length === 3 ? 'featureDesiredProperties' : 'featureDesiredProperty';
  return `things.events:${subject}${action}`;
}

/** An event in the Ditto Protocol envelope (`topic`, `path`, `value`, `revision`, `timestamp`). */
export interface ProtocolEvent {
  topic: string;
  headers: Record<string, string>;
  path: string;
  value?: JsonValue;
  revision: number;
  timestamp: string;
}

export function toProtocolEvent(event: TwinEvent): ProtocolEvent {
  const colon = event.thingId.indexOf(':');
  const namespace = event.thingId.slice(0, colon);
  const name = event.thingId.slice(colon + 1);
  const headers: Record<string, string> = { type: eventType(event) };
  if (event.originator) headers['ditto-originator'] = event.originator;
  const result: ProtocolEvent = {
    topic: `${namespace}/${name}/things/twin/events/${event.action}`,
    headers,
    path: protocolPath(event.path),
    revision: event.revision,
    timestamp: isoTime(event.timestamp),
  };
  if (event.action !== 'deleted')
    result.value =
      event.path.length === 0
        ? withWholeAlerts(event.path, withoutHiddenMembers(event.value ?? null, ALERTS))
        : withWholeAlerts(event.path, event.value as JsonValue);
  return result;
}

/**
 * The Ditto Protocol path of a change: its JSON pointer, but `/relations/<name>/<target>` for a
 * relation (the resource it is changed through; `_relations` is no part of the thing's JSON).
 */
function protocolPath(path: string[]): string {
  return isRelationPath(path)
    ? formatPointer(['relations', ...path.slice(1)])
    : formatPointer(path);
}
