// Addressing inside a thing: which sub-resource a request names, reading it, and its not-found error.
import { errors } from './error-registry.js';
import type { TwinfoldError } from './errors.js';
import { assertFeatureId, assertKey } from './ids.js';
import type { JsonObject, JsonValue } from './json.js';
import { formatPointer, getAt } from './json-pointer.js';
import { RELATIONS } from './relations.js';
import { MAX_JSON_DEPTH } from './thing-validation.js';

export type ResourceKind =
  | 'thing'
  | 'policyId'
  | 'definition'
  | 'attributes'
  | 'attribute'
  | 'features'
  | 'feature'
  | 'featureDefinition'
  | 'properties'
  | 'property'
  | 'desiredProperties'
  | 'desiredProperty'
  /** A relation (Twinfold): `inner` is `[name, targetThingId]`, inside the hidden `_relations`. */
  | 'relation';

/** A sub-resource of a thing: its kind and its segments inside the thing JSON. */
export interface ThingResource {
  thingId: string;
  kind: ResourceKind;
  /** Segments from the thing root, e.g. `['features','lamp','properties','on']`. */
  segments: string[];
  featureId?: string;
  /** Segments inside attributes / properties / desiredProperties (for `attribute`, `property`, `desiredProperty`). */
  inner?: string[];
}

/**
 * Splits a URL rest path (`location/lat`) into validated keys; empty segments are an invalid
 * pointer, and so is one deeper than a thing may nest ({@link MAX_JSON_DEPTH} levels).
 */
export function innerSegments(rest: string): string[] {
  const segments = rest.split('/');
  if (segments.length > MAX_JSON_DEPTH)
    throw errors.jsonPointerTooDeep(segments.length, MAX_JSON_DEPTH);
  if (segments.some((s) => s === '')) throw errors.jsonPointerInvalid('/' + rest);
  for (const s of segments) assertKey(s);
  return segments;
}

/** Builds a resource descriptor; `featureId` and `inner` are validated. */
export function resourceOf(
  thingId: string,
  kind: ResourceKind,
  featureId?: string,
  inner?: string[],
): ThingResource {
  if (featureId !== undefined) assertFeatureId(featureId);
  return { thingId, kind, segments: segmentsOf(kind, featureId, inner ?? []), featureId, inner };
}

function segmentsOf(kind: ResourceKind, featureId: string | undefined, inner: string[]): string[] {
  const feature = featureId === undefined ? [] : ['features', featureId];
  switch (kind) {
    case 'thing':
      return [];
    case 'policyId':
    case 'definition':
    case 'attributes':
    case 'features':
      return [kind];
    case 'attribute':
      return ['attributes', ...inner];
    case 'feature':
      return feature;
    case 'featureDefinition':
      return [...feature, 'definition'];
    case 'properties':
    case 'desiredProperties':
      return [...feature, kind];
    case 'property':
      return [...feature, 'properties', ...inner];
    case 'desiredProperty':
      return [...feature, 'desiredProperties', ...inner];
    case 'relation':
      return [RELATIONS, ...inner];
  }
}

/** The error for a resource that does not exist, naming the outermost missing part as Ditto does. */
export function notFoundError(resource: ThingResource, thing: JsonObject | null): TwinfoldError {
  const { thingId, featureId, kind } = resource;
  if (thing === null) return errors.thingNotFound(thingId);
  if (
    featureId !== undefined &&
    kind !== 'feature' &&
    getAt(thing, ['features', featureId]) === undefined
  ) {
    return errors.featureNotFound(thingId, featureId);
  }
  const inner = formatPointer(resource.inner ?? []);
  switch (kind) {
    case 'thing':
      return errors.thingNotFound(thingId);
    case 'policyId':
      return errors.policyIdNotFound(thingId);
    case 'definition':
      return errors.definitionNotFound(thingId);
    case 'attributes':
      return errors.attributesNotFound(thingId);
    case 'attribute':
      return errors.attributeNotFound(thingId, inner);
    case 'features':
      return errors.featuresNotFound(thingId);
    case 'feature':
      return errors.featureNotFound(thingId, featureId ?? '');
    case 'featureDefinition':
      return errors.featureDefinitionNotFound(thingId, featureId ?? '');
    case 'properties':
    case 'desiredProperties':
      return errors.featurePropertiesNotFound(
        thingId,
        featureId ?? '',
        kind === 'desiredProperties',
      );
    case 'property':
    case 'desiredProperty':
      return errors.featurePropertyNotFound(
        thingId,
        featureId ?? '',
        inner,
        kind === 'desiredProperty',
      );
    case 'relation':
      return errors.relationNotFound(thingId, resource.inner?.[0] ?? '', resource.inner?.[1] ?? '');
  }
}

/** The value of a resource, or throws its not-found error. */
export function readResource(thing: JsonObject | null, resource: ThingResource): JsonValue {
  const value = thing === null ? undefined : getAt(thing, resource.segments);
  if (value === undefined) throw notFoundError(resource, thing);
  return value;
}
