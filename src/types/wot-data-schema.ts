// WoT data schemas (the `properties` of a Thing Model) checked and translated to the JSON Schema a
// type validates with; WoT-only terms (unit, @type, observable, prefixed terms) stay in the model.
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { assertKey } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';

const TYPES = new Set(['boolean', 'integer', 'number', 'string', 'object', 'array', 'null']);

/** Keywords valid for one data type only (when the schema names its type). */
const KEYWORD_TYPES: Record<string, readonly string[]> = {
  minimum: ['number', 'integer'],
  maximum: ['number', 'integer'],
  exclusiveMinimum: ['number', 'integer'],
  exclusiveMaximum: ['number', 'integer'],
  multipleOf: ['number', 'integer'],
  minLength: ['string'],
  maxLength: ['string'],
  pattern: ['string'],
  format: ['string'],
  items: ['array'],
  minItems: ['array'],
  maxItems: ['array'],
  properties: ['object'],
  required: ['object'],
};

/** WoT terms that describe but do not constrain: kept in the Thing Model for the TD only. */
const WOT_ONLY = new Set([
  '@type',
  'unit',
  'observable',
  'titles',
  'descriptions',
  'contentEncoding',
  'contentMediaType',
]);

/** Annotations JSON Schema knows too: copied to both. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'readOnly', 'writeOnly']);

/** Escapes a key for a `where` path (`properties/a~1b`). */
export function pathKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The problem with `key` as an attribute, property or feature id; null when it is fine. */
export function keyProblem(key: string): string | null {
  try {
    assertKey(key);
    return null;
  } catch (error) {
    if (error instanceof TwinfoldError) return error.message;
    throw error;
  }
}

const invalid = (where: string, detail: string) => errors.typeInvalid(where, detail);

function finiteNumber(value: JsonValue, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(where, 'it must be a number');
  return value;
}

function count(value: JsonValue, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid(where, 'it must be a whole number of at least 0');
  return value;
}

function text(value: JsonValue, where: string): string {
  if (typeof value !== 'string') throw invalid(where, 'it must be a string');
  return value;
}

function flag(value: JsonValue, where: string): boolean {
  if (typeof value !== 'boolean') throw invalid(where, 'it must be true or false');
  return value;
}

function texts(value: JsonValue, where: string): void {
  if (!isJsonObject(value)) throw invalid(where, 'it must be an object of strings by language');
  for (const [language, entry] of Object.entries(value))
    text(entry, `${where}/${pathKey(language)}`);
}

/** The JSON Schemas of an object's `properties`, each checked. */
export function translateProperties(value: JsonValue, where: string): JsonObject {
  if (!isJsonObject(value)) throw invalid(where, 'it must be an object of data schemas by name');
  const out: JsonObject = {};
  for (const [name, schema] of Object.entries(value)) {
    const at = `${where}/${pathKey(name)}`;
    const problem = keyProblem(name);
    if (problem !== null) throw invalid(at, problem);
    out[name] = translateDataSchema(schema, at);
  }
  return out;
}

/**
 * The JSON Schema (draft 7, valid for a strict ajv) of one WoT data schema; throws
 * `types:type.invalid` naming the first term at fault (`properties/power/minimum`). A prefixed
 * term (`ditto:category`, `om2:…`) is a JSON-LD extension: allowed, kept only in the model.
 *
 * @example
 * translateDataSchema({ type: 'number', unit: 'om2:watt', minimum: 0 }, 'properties/watts');
 * // → { type: 'number', minimum: 0 }
 */
export function translateDataSchema(schema: unknown, where: string): JsonObject {
  if (!isJsonObject(schema)) throw invalid(where, 'a data schema must be an object');
  const type = schema.type;
  if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type)))
    throw invalid(`${where}/type`, `it must be one of ${[...TYPES].join(', ')}`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    const at = `${where}/${pathKey(key)}`;
    const types = KEYWORD_TYPES[key];
    if (types !== undefined && type !== undefined && !types.includes(type as string))
      throw invalid(at, `'${key}' applies to ${types.join(' or ')} data, not to ${type}`);
    switch (key) {
      case 'type':
        out.type = value;
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        out[key] = finiteNumber(value, at);
        break;
      case 'multipleOf':
        if (finiteNumber(value, at) <= 0) throw invalid(at, 'it must be greater than 0');
        out[key] = value;
        break;
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
        out[key] = count(value, at);
        break;
      case 'pattern':
        try {
          new RegExp(text(value, at), 'u');
        } catch (error) {
          if (error instanceof TwinfoldError) throw error;
          throw invalid(at, `'${String(value)}' is not a regular expression`);
        }
        out[key] = value;
        break;
      case 'format':
        out[key] = text(value, at);
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0)
          throw invalid(at, 'it must be a non-empty array of the allowed values');
        out[key] = value;
        break;
      case 'const':
        out[key] = value;
        break;
      case 'items':
        out[key] = Array.isArray(value)
          ? value.map((item, i) => translateDataSchema(item, `${at}/${i}`))
          : translateDataSchema(value, at);
        break;
      case 'properties':
        out[key] = translateProperties(value, at);
        break;
      case 'required':
        if (!Array.isArray(value) || value.some((name) => typeof name !== 'string'))
          throw invalid(at, 'it must be an array of property names');
        out[key] = value;
        break;
      case 'oneOf':
        if (!Array.isArray(value) || value.length === 0)
          throw invalid(at, 'it must be a non-empty array of data schemas');
        out[key] = value.map((item, i) => translateDataSchema(item, `${at}/${i}`));
        break;
      case 'title':
      case 'description':
        out[key] = text(value, at);
        break;
      case 'readOnly':
      case 'writeOnly':
        out[key] = flag(value, at);
        break;
      case 'default':
        out[key] = value;
        break;
      case 'observable':
        flag(value, at);
        break;
      case 'titles':
      case 'descriptions':
        texts(value, at);
        break;
      case '@type':
        if (
          typeof value !== 'string' &&
          !(Array.isArray(value) && value.every((t) => typeof t === 'string'))
        )
          throw invalid(at, 'it must be a string or an array of strings');
        break;
      case 'unit':
      case 'contentEncoding':
      case 'contentMediaType':
        text(value, at);
        break;
      case 'tm:ref':
        throw invalid(
          at,
          "'tm:ref' points at another model, which is not fetched here: copy the definition in",
        );
      case 'forms':
        throw invalid(at, 'forms are generated for each twin: leave them out of the model');
      default:
        if (WOT_ONLY.has(key) || ANNOTATIONS.has(key)) break;
        // A JSON-LD term of another vocabulary (`ditto:category`): described, never validated.
        if (/^[A-Za-z][\w.-]*:/.test(key) && !key.startsWith('tm:')) break;
        throw invalid(at, `'${key}' is not a term of a WoT data schema`);
    }
  }
  return out;
}
