// A type's JSON Schemas (ajv, strict, compiled once): the thing's attributes and its named
// features' properties; and what JSON types a schema allows at a pointer.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import { assertFeatureId } from '../core/ids.js';
import { TwinfoldError } from '../core/errors.js';
import { whereOf } from './type-pointer.js';

export interface TypeSchemas {
  /** Throws `errors.typeSchemaViolation` naming the first failing pointer. */
  validateThing(thingId: string, thing: JsonObject): void;
  /**
   * The JSON types (`number`, `string`, …; `integer` counts as `number` too) the schema allows at
   * a value pointer; null when it does not constrain the type there.
   */
  typesAt(segments: readonly string[]): ReadonlySet<string> | null;
  /** True when the schema surely refuses any value at the pointer (`additionalProperties: false`). */
  forbids(segments: readonly string[]): boolean;
}

interface FeatureSchema {
  featureId: string;
  /** The pointer the feature's errors start at: `/features/<id>/properties`. */
  base: string;
  validate: ValidateFunction;
}

/** Compiles the document's `schema` member (absent: nothing is constrained). */
export function compileSchemas(schema: JsonValue | undefined): TypeSchemas {
  if (schema === undefined)
    return { validateThing() {}, typesAt: () => null, forbids: () => false };
  if (!isJsonObject(schema))
    throw errors.typeInvalid('schema', 'must be an object with attributes and/or features');
  for (const key of Object.keys(schema)) {
    if (key !== 'attributes' && key !== 'features') {
      throw errors.typeInvalid(
        whereOf('schema', key),
        "unknown member (expected 'attributes' or 'features')",
      );
    }
  }
  // One ajv per type: a schema's `$id` is then scoped to its type and cannot clash with another's.
  const ajv = new Ajv({ strict: true, allErrors: false });
  const attributes =
    schema.attributes === undefined ? null : compile(ajv, schema.attributes, 'schema/attributes');
  const features: FeatureSchema[] = [];
  if (schema.features !== undefined) {
    if (!isJsonObject(schema.features)) {
      throw errors.typeInvalid('schema/features', 'must be an object of feature id → JSON Schema');
    }
    for (const [featureId, featureSchema] of Object.entries(schema.features)) {
      const where = whereOf('schema', 'features', featureId);
      try {
        assertFeatureId(featureId);
      } catch (err) {
        if (err instanceof TwinfoldError) throw errors.typeInvalid(where, err.message);
        throw err;
      }
      features.push({
        featureId,
        base: formatPointer(['features', featureId, 'properties']),
        validate: compile(ajv, featureSchema, where),
      });
    }
  }
  const featureSchemas = isJsonObject(schema.features) ? schema.features : {};
  return {
    validateThing(thingId, thing) {
      if (attributes !== null && !attributes(thing.attributes ?? {})) {
        throw violation(thingId, '/attributes', attributes.errors);
      }
      const things = isJsonObject(thing.features) ? thing.features : {};
      for (const { featureId, base, validate } of features) {
        const feature = things[featureId];
        const properties = isJsonObject(feature) ? (feature.properties ?? {}) : {};
        if (!validate(properties)) throw violation(thingId, base, validate.errors);
      }
    },
    typesAt(segments) {
      if (segments[0] === 'attributes') return typesOf(schema.attributes, segments.slice(1));
      if (segments[0] === 'features' && segments[2] === 'properties') {
        return typesOf(featureSchemas[segments[1]], segments.slice(3));
      }
      return null;
    },
    forbids(segments) {
      if (segments[0] === 'attributes') return forbidden(schema.attributes, segments.slice(1));
      if (segments[0] === 'features' && segments[2] === 'properties') {
        return forbidden(featureSchemas[segments[1]], segments.slice(3));
      }
      return false;
    },
  };
}

function compile(ajv: Ajv, schema: JsonValue, where: string): ValidateFunction {
  if (!isJsonObject(schema) && typeof schema !== 'boolean') {
    throw errors.typeInvalid(where, 'must be a JSON Schema (an object or a boolean)');
  }
  if (isJsonObject(schema) && schema.$async !== undefined) {
    throw errors.typeInvalid(where, '$async schemas are not supported');
  }
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw errors.typeInvalid(where, `not a valid JSON Schema: ${(err as Error).message}`);
  }
}

function violation(
  thingId: string,
  base: string,
  found: ErrorObject[] | null | undefined,
): TwinfoldError {
  const first = found?.[0];
  if (first === undefined)
    return errors.typeSchemaViolation(thingId, base, 'does not match the schema');
  let pointer = base + first.instancePath;
  // Point at the member at fault rather than the object holding it.
  const member = first.params.missingProperty ?? first.params.additionalProperty;
  if (typeof member === 'string') pointer += formatPointer([member]);
  return errors.typeSchemaViolation(thingId, pointer, first.message ?? 'does not match the schema');
}

/** True when the object schema holding the last key of `path` closes it to that key. */
function forbidden(schema: JsonValue | undefined, path: readonly string[]): boolean {
  let node = schema;
  for (const key of path.slice(0, -1)) {
    if (!isJsonObject(node) || !isJsonObject(node.properties)) return false;
    node = node.properties[key];
  }
  if (schema === false || node === false) return true;
  if (
    !isJsonObject(node) ||
    node.additionalProperties !== false ||
    node.patternProperties !== undefined
  )
    return false;
  const key = path[path.length - 1];
  return (
    !isJsonObject(node.properties) || !Object.prototype.hasOwnProperty.call(node.properties, key)
  );
}

/** The `type` a schema declares at `path` below it, following `properties`. */
function typesOf(
  schema: JsonValue | undefined,
  path: readonly string[],
): ReadonlySet<string> | null {
  let node = schema;
  for (const key of path) {
    if (!isJsonObject(node) || !isJsonObject(node.properties)) return null;
    node = node.properties[key];
  }
  if (!isJsonObject(node)) return null;
  const declared =
    typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type : null;
  if (declared === null) return null;
  const types = new Set(declared.filter((t): t is string => typeof t === 'string'));
  if (types.has('integer')) types.add('number');
  return types;
}
