// The Ditto Thing model: the JSON shape of a twin and the metadata the runtime keeps beside it.
import type { JsonObject, JsonValue } from './json.js';

/** A feature of a thing, as Ditto defines it. */
export interface Feature {
  definition?: string[];
  properties?: JsonObject;
  desiredProperties?: JsonObject;
}

/** A thing as stored: the user-visible JSON, without the special `_` fields. */
export interface Thing {
  thingId: string;
  policyId: string;
  definition?: string | null;
  attributes?: JsonObject;
  features?: Record<string, Feature>;
}

/** Metadata kept for every twin beside its JSON. Times are epoch milliseconds. */
export interface ThingMeta {
  revision: number;
  created: number;
  modified: number;
}

/**
 * The document the search index sees: the thing plus Ditto's special fields
 * (`_revision`, `_created`, `_modified` as ISO-8601 strings, `_namespace`).
 */
export interface SearchDocument {
  thingId: string;
  policyId: string;
  definition?: string | null;
  attributes?: JsonObject;
  features?: Record<string, Feature>;
  _revision: number;
  _created: string;
  _modified: string;
  _namespace: string;
  [key: string]: JsonValue | Record<string, Feature> | undefined;
}

/** The namespace of a thing id (`org.example:sensor-1` -> `org.example`). */
export function namespaceOf(thingId: string): string {
  const colon = thingId.indexOf(':');
  return colon < 0 ? '' : thingId.slice(0, colon);
}

const isoMs = [NaN, NaN];
const isoText = ['', ''];
let isoNext = 0;
/** The second of the last time formatted, and its text up to the milliseconds (`…T10:20:30.`). */
let isoSecond = NaN;
let isoPrefix = '';
/** Past this (year 10000) toISOString writes six-digit years. */
const ISO_FOUR_DIGIT_YEARS = 253_402_300_800_000;

/**
 * `toISOString` of an epoch-ms time, remembering the last two answers (writes and loads repeat the
 * same created and modified times) and the last second (the times of a batch of telemetry lie
 * close together: only their milliseconds differ).
 */
export function isoTime(ms: number): string {
  if (ms === isoMs[0]) return isoText[0];
  if (ms === isoMs[1]) return isoText[1];
  const slot = isoNext;
  isoNext = 1 - slot;
  isoMs[slot] = ms;
  isoText[slot] = formatIso(ms);
  return isoText[slot];
}

function formatIso(ms: number): string {
  if (!(ms >= 0 && ms < ISO_FOUR_DIGIT_YEARS)) return new Date(ms).toISOString();
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = whole - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Builds the search document of a thing from its JSON and metadata. */
export function toSearchDocument(thing: Thing, meta: ThingMeta): SearchDocument {
  return asSearchDocument({ ...thing }, meta);
}

/**
 * Turns a thing object the caller owns (e.g. just parsed) into its search document in place,
 * without copying it.
 */
export function asSearchDocument(thing: Thing, meta: ThingMeta): SearchDocument {
  const doc = thing as SearchDocument;
  doc._revision = meta.revision;
  doc._created = isoTime(meta.created);
  doc._modified = isoTime(meta.modified);
  doc._namespace = namespaceOf(thing.thingId);
  return doc;
}

/** A copy of `object` without its special `_` fields (`_revision`, `_policy`, …). */
export function withoutSpecialFields(object: object): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object))
    if (!key.startsWith('_')) result[key] = value as JsonValue;
  return result;
}

/** The thing JSON of a search document (its `_` fields removed). */
export function thingOfDocument(doc: SearchDocument): Thing {
  return withoutSpecialFields(doc) as unknown as Thing;
}
