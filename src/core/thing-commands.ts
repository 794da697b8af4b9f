// Turns a write on a thing resource (PUT, PATCH, DELETE) into a validated change, or a Ditto error.
import { errors } from './error-registry.js';
import { assertKeysDeep } from './ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { getAt } from './json-pointer.js';
import { METADATA } from './metadata.js';
import { ALERTS } from './alerts.js';
import { RELATIONS, assertRelationProperties } from './relations.js';
import { applyChange, type ThingChange } from './thing-change.js';
import { notFoundError, type ThingResource } from './thing-resource.js';
import { mergedTelemetry } from './telemetry-merge.js';
import { withoutSpecialFields } from './thing.js';
import {
  validateFeature,
  validateFeatureDefinition,
  validateDepthAt,
  validateFeatures,
  validateJsonValue,
  validateProperties,
  validateThing,
  validateThingDefinition,
} from './thing-validation.js';
import { assertPolicyId } from './ids.js';

/** The planned outcome of a write: the change to journal and the thing after it. */
export interface PlannedChange {
  change: ThingChange;
  next: JsonObject | null;
  /** True when the addressed resource did not exist before (HTTP 201). */
  created: boolean;
  /**
   * True when every object of `next` that is not the object at the same path of the thing before
   * was made by this plan and is held nowhere else (not even in `change`): a plan step may edit
   * those in place (see ThingDraft's `base`).
   */
  madeAfresh?: boolean;
}

const THING_FIELD_ORDER = ['thingId', 'policyId', 'definition', 'attributes', 'features'];

/** Builds the stored form of a thing body: Ditto's field order, `_` fields dropped, policyId defaulted. */
export function normaliseThing(
  body: JsonValue,
  thingId: string,
  fallbackPolicyId: string,
): JsonObject {
  if (!isJsonObject(body)) throw errors.jsonInvalid('The thing must be a JSON object.');
  if (body.thingId !== undefined && body.thingId !== thingId) throw errors.thingIdNotSettable();
  const stripped = withoutSpecialFields(body);
  validateThing(stripped);
  const result: JsonObject = {
    thingId,
    policyId: (stripped.policyId as string) ?? fallbackPolicyId,
  };
  for (const key of THING_FIELD_ORDER.slice(2)) if (key in stripped) result[key] = stripped[key];
  return result;
}

function validateValue(resource: ThingResource, value: JsonValue): void {
  switch (resource.kind) {
    case 'thing':
      return;
    case 'policyId':
      return assertPolicyId(value);
    case 'definition':
      return validateThingDefinition(value);
    case 'attributes':
      return validateProperties(value, 'attributes');
    case 'features':
      return validateFeatures(value);
    case 'feature':
      return validateFeature(value, resource.featureId ?? '');
    case 'featureDefinition':
      return validateFeatureDefinition(value);
    case 'properties':
    case 'desiredProperties':
      return validateProperties(value, resource.kind);
    case 'attribute':
    case 'property':
    case 'desiredProperty':
      return assertKeysDeep(value);
    case 'relation':
      assertRelationProperties(value);
      return assertKeysDeep(value);
  }
}

function requireFeature(thing: JsonObject, resource: ThingResource): void {
  const { featureId, kind } = resource;
  if (
    featureId !== undefined &&
    kind !== 'feature' &&
    getAt(thing, ['features', featureId]) === undefined
  ) {
    throw notFoundError(resource, thing);
  }
}

/** A thing body never carries relations: refused, not dropped (they have their own resource). */
function refuseRelations(body: JsonValue): void {
  if (isJsonObject(body) && Object.hasOwn(body, RELATIONS)) throw errors.relationsNotSettable();
}

/** PUT: replace (or create) the resource with `value`. */
export function planModify(
  thing: JsonObject | null,
  resource: ThingResource,
  value: JsonValue,
): PlannedChange {
  const depth = validateJsonValue(value);
  if (resource.kind === 'thing') {
    refuseRelations(value);
    const fallback = (thing?.policyId as string | undefined) ?? resource.thingId;
    const next = normaliseThing(value, resource.thingId, fallback);
    // As in Ditto, replacing a thing keeps its metadata; creating one may set it inline.
    const metadata = thing ? thing[METADATA] : (value as JsonObject)[METADATA];
    if (metadata !== undefined) {
      if (!isJsonObject(metadata))
        throw errors.jsonInvalid("The '_metadata' of a thing must be a JSON object.");
      if (Object.keys(metadata).length > 0) next[METADATA] = metadata;
    }
    // Replacing a thing keeps its relations too: they are changed through the relations resource.
    const relations = thing?.[RELATIONS];
    if (relations !== undefined) next[RELATIONS] = relations;
    // And its alerts: they are raised, resolved and acknowledged by its behaviour and /alerts.
    const alerts = thing?.[ALERTS];
    if (alerts !== undefined) next[ALERTS] = alerts;
    return {
      change: { action: thing ? 'modified' : 'created', path: [], value: next },
      next,
      created: !thing,
    };
  }
  if (thing === null) throw errors.thingNotFound(resource.thingId);
  requireFeature(thing, resource);
  validateDepthAt(resource.segments, depth);
  validateValue(resource, value);
  const change: ThingChange = { action: 'modified', path: resource.segments, value };
  const created = getAt(thing, resource.segments) === undefined;
  return { change, next: applyChange(thing, change), created };
}

/** PATCH: JSON merge patch at the resource; creates the thing when it does not exist (Ditto). */
export function planMerge(
  thing: JsonObject | null,
  resource: ThingResource,
  patch: JsonValue,
): PlannedChange {
  // Telemetry (scalars into attributes and feature properties) needs no validation of the result.
  if (resource.kind === 'thing' && thing !== null && isJsonObject(patch)) {
    const next = mergedTelemetry(thing, patch);
    if (next !== undefined)
      return {
        change: { action: 'merged', path: resource.segments, value: patch },
        next,
        created: false,
        madeAfresh: true,
      };
  }
  const depth = validateJsonValue(patch);
  if (resource.kind === 'thing') {
    refuseRelations(patch);
    if (!isJsonObject(patch))
      throw errors.mergeInvalid('The provided json value can not be applied at this resource');
    if (patch.policyId === null) throw errors.policyIdNotDeletable();
    if (patch.thingId !== undefined && patch.thingId !== resource.thingId)
      throw errors.thingIdNotSettable();
  } else if (thing === null) {
    throw errors.thingNotFound(resource.thingId);
  }
  validateDepthAt(resource.segments, depth);
  if (resource.kind === 'policyId' && patch === null) throw errors.policyIdNotDeletable();
  if (resource.kind === 'featureDefinition' && patch !== null) validateFeatureDefinition(patch);
  const cleanPatch = resource.kind === 'thing' ? withoutSpecialFields(patch as JsonObject) : patch;
  const change: ThingChange = { action: 'merged', path: resource.segments, value: cleanPatch };
  const merged = applyChange(thing, change) ?? {};
  if (thing === null) {
    const next = normaliseThing(merged, resource.thingId, resource.thingId);
    return { change: { action: 'created', path: [], value: next }, next, created: true };
  }
  validateThing(reachedBy(merged, nestedAt(resource.segments, cleanPatch)));
  return { change, next: merged, created: false };
}

/** `value` placed at `segments` of an empty object. */
function nestedAt(segments: readonly string[], value: JsonValue): JsonValue {
  let nested = value;
  for (let i = segments.length - 1; i >= 0; i--) nested = { [segments[i]]: nested };
  return nested;
}

/**
 * The members of a merged thing that a merge patch reached (entered where the patch is an object).
 * Everything else is as it was, and valid already; and every rule of a thing's shape concerns one
 * member and what is under it, so validating this part validates the whole merged thing at the cost
 * of the patch, not of the thing (telemetry merges a few values into large twins).
 */
function reachedBy(merged: JsonObject, patch: JsonValue): JsonObject {
  if (!isJsonObject(patch)) return merged;
  // No prototype: a `__proto__` key is then a member like any other, and is validated.
  const part = Object.create(null) as JsonObject;
  for (const key in patch) {
    if (!Object.hasOwn(merged, key)) continue;
    const value = merged[key];
    const sub = patch[key];
    part[key] = isJsonObject(sub) && isJsonObject(value) ? reachedBy(value, sub) : value;
  }
  return part;
}

/** DELETE: remove the resource (the whole thing for `thing`). */
export function planDelete(thing: JsonObject | null, resource: ThingResource): PlannedChange {
  if (resource.kind === 'policyId') throw errors.policyIdNotDeletable();
  if (thing === null || getAt(thing, resource.segments) === undefined)
    throw notFoundError(resource, thing);
  const change: ThingChange = { action: 'deleted', path: resource.segments };
  return { change, next: applyChange(thing, change), created: false };
}
