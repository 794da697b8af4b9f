// A subscriber's choice of events, with Ditto's semantics: namespaces, an RQL filter over the changed
// data (plus the extraFields asked for and the topic:/resource:/thing: placeholders), and extraFields.
import { withWholeAlerts } from '../core/alerts.js';
import { errors } from '../core/error-registry.js';
import type { TwinEvent } from '../core/events.js';
import { parseFields, projectFields, type FieldSelector } from '../core/fields.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer, setAt } from '../core/json-pointer.js';
import { RELATIONS } from '../core/relations.js';
import { isoTime, namespaceOf } from '../core/thing.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import { parseFilter } from '../rql/parse-filter.js';
import { TwinfoldError } from '../core/errors.js';

/** What a subscriber asked for; absent parts select everything. */
export interface EventSelection {
  namespaces?: ReadonlySet<string>;
  filter?: FilterNode;
  extraFields?: FieldSelector;
}

/**
 * Reads `namespaces`, `filter` and `extraFields` from a subscription's parameters (the query of
 * `START-SEND-EVENTS?…` or of an SSE request). Throws 400 naming the parameter on bad input; the
 * caller refuses parameters it does not know.
 */
export function parseSelection(
  params: { namespaces?: string; filter?: string; extraFields?: string },
  invalid: (name: string, detail: string) => TwinfoldError = errors.streamingParameterInvalid,
): EventSelection {
  const selection: EventSelection = {};
  if (params.namespaces !== undefined) {
    const list = params.namespaces.split(',').filter((n) => n !== '');
    if (list.length === 0) throw invalid('namespaces', 'it names no namespace');
    selection.namespaces = new Set(list);
  }
  if (params.filter !== undefined) {
    try {
      selection.filter = parseFilter(params.filter);
    } catch (error) {
      if (error instanceof TwinfoldError) throw invalid('filter', error.message);
      throw error;
    }
  }
  if (params.extraFields !== undefined) {
    try {
      selection.extraFields = parseFields(params.extraFields);
    } catch (error) {
      if (error instanceof TwinfoldError) throw invalid('extraFields', error.message);
      throw error;
    }
  }
  return selection;
}

/**
 * The changed part of the thing an event describes, as Thing JSON: the event's value placed at its
 * path (a merge patch as sent), and the thingId. A deletion changes no data.
 */
export function changedThing(event: TwinEvent): JsonObject {
  let thing: JsonObject = {};
  if (event.action !== 'deleted' && event.value !== undefined) {
    if (event.path.length === 0) {
      // Its alerts as events showed them before the twin carried them without null members.
      const value = withWholeAlerts(event.path, event.value);
      thing = isJsonObject(value) ? { ...value } : {};
      // A replaced thing's event carries its relations (for replay); its JSON never shows them.
      delete thing[RELATIONS];
    } else thing = setAt({}, event.path, withWholeAlerts(event.path, event.value));
  }
  return { thingId: event.thingId, ...withoutId(thing) };
}

function withoutId(thing: JsonObject): JsonObject {
  if (!('thingId' in thing)) return thing;
  const rest = { ...thing };
  delete rest.thingId;
  return rest;
}

/** Deep-merges `extra` under `base` (what changed wins where both have a value). */
function underlay(base: JsonObject, extra: JsonObject): JsonObject {
  const result: JsonObject = { ...extra };
  for (const [key, value] of Object.entries(base)) {
    const below = result[key];
    result[key] = isJsonObject(value) && isJsonObject(below) ? underlay(value, below) : value;
  }
  return result;
}

/** The document an event's filter is evaluated against (Ditto's placeholders included). */
export function filterDocument(event: TwinEvent, extra: JsonObject | undefined): object {
  const changed = changedThing(event);
  const doc: Record<string, JsonValue> = extra ? underlay(changed, extra) : changed;
  const colon = event.thingId.indexOf(':');
  const name = event.thingId.slice(colon + 1);
  const namespace = namespaceOf(event.thingId);
  doc._revision = event.revision;
  doc._modified = isoTime(event.timestamp);
  doc._namespace = namespace;
  doc['topic:namespace'] = namespace;
  doc['topic:entityName'] = name;
  doc['topic:group'] = 'things';
  doc['topic:channel'] = 'twin';
  doc['topic:criterion'] = 'events';
  doc['topic:action'] = event.action;
  doc['topic:full'] = `${namespace}/${name}/things/twin/events/${event.action}`;
  doc['resource:type'] = 'thing';
  doc['resource:path'] = formatPointer(event.path);
  doc['thing:id'] = event.thingId;
  doc['thing:namespace'] = namespace;
  doc['thing:name'] = name;
  return doc;
}

/** Whether a subscriber wants an event of this thing at all (before its data is looked at). */
export function inNamespaces(selection: EventSelection, thingId: string): boolean {
  return !selection.namespaces || selection.namespaces.has(namespaceOf(thingId));
}

/**
 * The thing ids a filter can pass, when it says so at its top (`eq(thingId,…)`, `in(thingId,…)`,
 * or such a term of an `and`); null when it may pass any. The filter document's `thingId` is
 * always the event's, so an event of another thing fails the filter whatever its data.
 */
export function thingIdsOf(filter: FilterNode | undefined): ReadonlySet<string> | null {
  if (!filter) return null;
  if (filter.op === 'and') {
    for (const arg of filter.args) {
      const ids = thingIdsOf(arg);
      if (ids) return ids;
    }
    return null;
  }
  if (filter.op === 'eq' && filter.path === 'thingId')
    return new Set(typeof filter.value === 'string' ? [filter.value] : []);
  if (filter.op === 'in' && filter.path === 'thingId')
    return new Set(filter.values.filter((v): v is string => typeof v === 'string'));
  return null;
}

const selectedIds = new WeakMap<EventSelection, ReadonlySet<string> | null>();

/** {@link thingIdsOf} the selection's filter, worked out once per selection. */
function idsOf(selection: EventSelection): ReadonlySet<string> | null {
  let ids = selectedIds.get(selection);
  if (ids === undefined) {
    ids = thingIdsOf(selection.filter);
    selectedIds.set(selection, ids);
  }
  return ids;
}

/**
 * Whether an event of this thing can reach the subscriber: in its namespaces and, when its filter
 * names thing ids, one of them. Checked before the policy and the data are looked at, so that
 * many subscribers each watching a few twins cost little per event.
 */
export function mayWant(selection: EventSelection, thingId: string): boolean {
  if (!inNamespaces(selection, thingId)) return false;
  if (!selection.filter) return true;
  const ids = idsOf(selection);
  return ids === null || ids.has(thingId);
}

/**
 * The `extra` object of an event: the selected fields of the thing as the subscriber may read it.
 * Undefined when no extraFields were asked for.
 */
export function extraOf(
  selection: EventSelection,
  readableThing: JsonObject | null,
): JsonObject | undefined {
  if (!selection.extraFields) return undefined;
  return readableThing ? projectFields(readableThing, selection.extraFields) : {};
}

/** Whether an event (already reduced to what the subscriber may read) passes the filter. */
export function passesFilter(
  selection: EventSelection,
  event: TwinEvent,
  extra: JsonObject | undefined,
): boolean {
  if (!selection.filter) return true;
  // The document's thingId is the event's: a filter on nothing else is decided by the ids alone.
  if (selection.filter.op === 'eq' || selection.filter.op === 'in')
    if (selection.filter.path === 'thingId') return idsOf(selection)!.has(event.thingId);
  if (extra !== undefined) return evaluateFilter(selection.filter, filterDocument(event, extra));
  // Without extraFields the document depends on the event alone: every subscriber that sees the
  // event whole (the same object) shares one, built once rather than once per subscriber.
  let doc = documents.get(event);
  if (doc === undefined) {
    doc = filterDocument(event, undefined);
    documents.set(event, doc);
  }
  return evaluateFilter(selection.filter, doc);
}

/** Filter documents of events seen without extraFields, by event (see passesFilter). */
const documents = new WeakMap<TwinEvent, object>();
