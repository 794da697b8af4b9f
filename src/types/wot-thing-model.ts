// W3C WoT Thing Models as type documents: properties become `schema.attributes`, inline submodels
// (`tm:submodels`, a Twinfold extension: nothing is fetched) become `schema.features.<name>`, and the
// model itself is kept under `thingModel` for the Thing Descriptions generated from it.
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { assertFeatureId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { pathKey, translateDataSchema, translateProperties } from './wot-data-schema.js';

const invalid = (where: string, detail: string) => errors.typeInvalid(where, detail);

/** Members of a Thing Model (and of each submodel) that a type takes over. */
const MODEL_MEMBERS = new Set([
  '@context',
  '@type',
  'title',
  'titles',
  'description',
  'descriptions',
  'version',
  'tm:optional',
  'properties',
  'actions',
  'events',
  'links',
  'tm:submodels',
  'schemaDefinitions',
  'support',
]);

/** Members a model may not have, and why: they belong to each twin's description. */
const INSTANCE_MEMBERS: Record<string, string> = {
  id: "the id of a Thing Description is the twin's (urn:<thingId>)",
  base: "the base of a Thing Description is the twin's URL",
  forms: 'forms are generated for each twin',
  security: "security is the server's (Basic and Bearer)",
  securityDefinitions: "security is the server's (Basic and Bearer)",
  uriVariables: "the URI variables are Ditto's (channel, timeout, response-required, fields)",
  created: "created is the twin's",
  modified: "modified is the twin's",
  'tm:required': "it is 'tm:optional' in Thing Models 1.1",
};

const ACTION_SCHEMAS = ['input', 'output'];
const ACTION_FLAGS = ['safe', 'idempotent', 'synchronous'];
const EVENT_SCHEMAS = ['data', 'dataResponse', 'subscription', 'cancellation'];
const AFFORDANCE_TEXTS = ['title', 'description'];
const AFFORDANCE_MAPS = ['titles', 'descriptions'];

const isPrefixedTerm = (key: string) => /^[A-Za-z][\w.-]*:/.test(key) && !key.startsWith('tm:');

function checkType(value: JsonValue | undefined, where: string): void {
  const types = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (types === null || !types.includes('tm:ThingModel'))
    throw invalid(where, 'a Thing Model has \'@type\' "tm:ThingModel" (alone or in an array)');
  if (types.some((t) => typeof t !== 'string'))
    throw invalid(where, 'it must be a string or an array of strings');
}

/** Refuses Thing Model placeholders (`{{NAME}}`): there is nothing here to fill them from. */
function refusePlaceholders(value: JsonValue, where: string): void {
  if (typeof value === 'string') {
    if (/\{\{.*?\}\}/.test(value))
      throw invalid(where, `placeholders such as '${value}' are not supported: write the value in`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => refusePlaceholders(item, `${where}/${i}`));
  } else if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value))
      refusePlaceholders(child, where === '' ? pathKey(key) : `${where}/${pathKey(key)}`);
  }
}

function checkAffordance(
  affordance: JsonValue,
  where: string,
  schemas: readonly string[],
  flags: readonly string[],
): void {
  if (!isJsonObject(affordance)) throw invalid(where, 'it must be an object');
  for (const [key, value] of Object.entries(affordance)) {
    const at = `${where}/${pathKey(key)}`;
    if (schemas.includes(key)) translateDataSchema(value, at);
    else if (flags.includes(key)) {
      if (typeof value !== 'boolean') throw invalid(at, 'it must be true or false');
    } else if (AFFORDANCE_TEXTS.includes(key)) {
      if (typeof value !== 'string') throw invalid(at, 'it must be a string');
    } else if (AFFORDANCE_MAPS.includes(key)) {
      if (!isJsonObject(value)) throw invalid(at, 'it must be an object of strings by language');
    } else if (key === 'forms') {
      throw invalid(at, 'forms are generated for each twin: leave them out of the model');
    } else if (key !== '@type' && !isPrefixedTerm(key)) {
      throw invalid(at, `'${key}' is not a term of this affordance`);
    }
  }
}

function checkAffordances(
  value: JsonValue,
  where: string,
  schemas: readonly string[],
  flags: readonly string[],
): void {
  if (!isJsonObject(value)) throw invalid(where, 'it must be an object of affordances by name');
  for (const [name, affordance] of Object.entries(value))
    checkAffordance(affordance, `${where}/${pathKey(name)}`, schemas, flags);
}

/** The property names a model leaves optional (`tm:optional: ["/properties/x"]`). */
function optionalProperties(model: JsonObject, where: string): Set<string> {
  const list = model['tm:optional'];
  if (list === undefined) return new Set();
  const at = where === '' ? 'tm:optional' : `${where}/tm:optional`;
  if (!Array.isArray(list))
    throw invalid(at, 'it must be an array of pointers such as "/properties/status"');
  const names = new Set<string>();
  list.forEach((entry, i) => {
    const match =
      typeof entry === 'string' ? /^\/(properties|actions|events)\/(.+)$/.exec(entry) : null;
    const section = match === null ? undefined : model[match[1]];
    if (match === null || !isJsonObject(section) || !(match[2] in section))
      throw invalid(
        `${at}/${i}`,
        `'${String(entry)}' names no property, action or event of the model`,
      );
    if (match[1] === 'properties') names.add(match[2]);
  });
  return names;
}

/** The JSON Schema of a model's properties as one object (null when it declares none). */
function objectSchema(model: JsonObject, where: string): JsonObject | null {
  const prefix = where === '' ? '' : `${where}/`;
  const optional = optionalProperties(model, where);
  if (model.properties === undefined) return null;
  const properties = translateProperties(model.properties, `${prefix}properties`);
  for (const [name, property] of Object.entries(model.properties as JsonObject)) {
    if (isJsonObject(property) && 'ditto:category' in property)
      throw invalid(
        `${prefix}properties/${pathKey(name)}/ditto:category`,
        'categories (grouping properties in an object) are not supported: leave the term out',
      );
  }
  const required = Object.keys(properties).filter((name) => !optional.has(name));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function checkLinks(model: JsonObject, where: string, submodels: JsonObject | null): void {
  const links = model.links;
  if (links === undefined) return;
  const at = where === '' ? 'links' : `${where}/links`;
  if (!Array.isArray(links)) throw invalid(at, 'it must be an array of links');
  links.forEach((link, i) => {
    const here = `${at}/${i}`;
    if (!isJsonObject(link) || typeof link.href !== 'string')
      throw invalid(here, 'a link is an object with an "href" string');
    if (link.rel === 'tm:extends')
      throw invalid(
        `${here}/rel`,
        "'tm:extends' points at another model, which is not fetched here: copy its definitions in",
      );
    if (link.rel === 'tm:submodel') {
      if (typeof link.instanceName !== 'string')
        throw invalid(
          `${here}/instanceName`,
          "a 'tm:submodel' link names its instance (the feature id)",
        );
      if (submodels === null || !isJsonObject(submodels[link.instanceName]))
        throw invalid(
          here,
          `the submodel '${link.instanceName}' at ${link.href} is not fetched here: put the model itself under "tm:submodels": {"${link.instanceName}": {…}}`,
        );
    }
  });
}

/** Checks one model (the thing's, or a submodel when `where` names it); returns its attributes schema. */
function checkModel(model: unknown, where: string, isSubmodel: boolean): JsonObject | null {
  if (!isJsonObject(model)) throw invalid(where || '/', 'a Thing Model must be a JSON object');
  const prefix = where === '' ? '' : `${where}/`;
  checkType(model['@type'], `${prefix}@type`);
  for (const [key, value] of Object.entries(model)) {
    const at = `${prefix}${pathKey(key)}`;
    if (key in INSTANCE_MEMBERS)
      throw invalid(at, `a Thing Model has no '${key}': ${INSTANCE_MEMBERS[key]}`);
    if (!MODEL_MEMBERS.has(key) && !isPrefixedTerm(key))
      throw invalid(at, `'${key}' is not a member of a Thing Model`);
    if (['title', 'description', 'support'].includes(key) && typeof value !== 'string')
      throw invalid(at, 'it must be a string');
  }
  const context = model['@context'];
  const contextEntry = (entry: JsonValue) => typeof entry === 'string' || isJsonObject(entry);
  if (
    context !== undefined &&
    !(typeof context === 'string' || (Array.isArray(context) && context.every(contextEntry)))
  )
    throw invalid(`${prefix}@context`, 'it must be a URL or an array of URLs and prefix objects');
  const version = model.version;
  if (version !== undefined && (!isJsonObject(version) || typeof version.model !== 'string'))
    throw invalid(`${prefix}version`, 'it must be an object such as {"model": "1.0.0"}');
  if (model.actions !== undefined)
    checkAffordances(model.actions, `${prefix}actions`, ACTION_SCHEMAS, ACTION_FLAGS);
  if (model.events !== undefined)
    checkAffordances(model.events, `${prefix}events`, EVENT_SCHEMAS, []);
  if (model.schemaDefinitions !== undefined)
    translateProperties(model.schemaDefinitions, `${prefix}schemaDefinitions`);
  const submodels = model['tm:submodels'];
  if (submodels !== undefined) {
    if (isSubmodel)
      throw invalid(`${prefix}tm:submodels`, 'a submodel (a feature) has no submodels');
    if (!isJsonObject(submodels))
      throw invalid('tm:submodels', 'it must be an object of Thing Models by instance name');
  }
  checkLinks(model, where, isJsonObject(submodels) ? submodels : null);
  return objectSchema(model, where);
}

/**
 * The type document of a W3C WoT Thing Model: its `properties` (WoT data schemas) become
 * `schema.attributes`, each inline submodel `"tm:submodels": {"power": {…}}` (standing for a
 * `tm:submodel` link, which is not fetched) becomes `schema.features.power`; properties the model
 * does not list in `tm:optional` are required, as in Ditto (attributes and properties the model does
 * not name stay allowed, unlike Ditto's default; `format` needs a validator that knows formats). The model is kept whole under
 * `thingModel`: its titles, units, actions and events are described in the generated Thing
 * Descriptions (actions and events are not validated against messages). Throws
 * `types:type.invalid` naming the part at fault for what is not a Thing Model, an invalid data
 * schema, references that would need fetching (`tm:extends`, `tm:ref`), placeholders, and
 * instance members (`forms`, `security`, `id`, …).
 *
 * @example
 * typeDocumentFromThingModel({ '@type': 'tm:ThingModel', properties: { rack: { type: 'string' } } });
 * // → { schema: { attributes: { type: 'object', properties: { rack: { type: 'string' } }, required: ['rack'] } },
 * //     thingModel: { … } }
 */
export function typeDocumentFromThingModel(tm: unknown): JsonObject {
  if (isJsonObject(tm)) refusePlaceholders(tm, '');
  const attributes = checkModel(tm, '', false);
  const model = tm as JsonObject;
  const schema: JsonObject = {};
  if (attributes !== null) schema.attributes = attributes;
  const submodels = model['tm:submodels'];
  if (isJsonObject(submodels)) {
    const features: JsonObject = {};
    for (const [name, submodel] of Object.entries(submodels)) {
      const where = `tm:submodels/${pathKey(name)}`;
      try {
        assertFeatureId(name);
      } catch (error) {
        if (error instanceof TwinfoldError) throw invalid(where, error.message);
        throw error;
      }
      const properties = checkModel(submodel, where, true);
      features[name] = properties ?? { type: 'object' };
    }
    schema.features = features;
  }
  return { schema, thingModel: structuredClone(model) };
}
