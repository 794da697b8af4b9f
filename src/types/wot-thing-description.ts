// W3C WoT Thing Descriptions of a twin and of its features, generated as Ditto generates them from
// the twin's type: the model's affordances with forms at the twin's Ditto HTTP paths.
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';

/** The TD 1.1 context, used when the model names none. */
export const TD_CONTEXT = 'https://www.w3.org/2022/wot/td/v1.1';

const ERROR_RESPONSES: JsonValue = [{ success: false, schema: 'dittoError' }];
const READ_VARIABLES = '{?channel,timeout}';
const WRITE_VARIABLES = '{?channel,timeout,response-required}';

/** Twinfold takes HTTP Basic and Bearer tokens (or JWTs), either one. */
const SECURITY: JsonObject = {
  security: 'combo_sc',
  securityDefinitions: {
    basic_sc: { scheme: 'basic', in: 'header' },
    bearer_sc: { scheme: 'bearer', in: 'header', name: 'Authorization' },
    combo_sc: { scheme: 'combo', oneOf: ['basic_sc', 'bearer_sc'] },
  },
};

/** Ditto's URI variables of every form. */
const URI_VARIABLES: JsonObject = {
  channel: {
    type: 'string',
    title: 'The Ditto channel to interact with.',
    description:
      "Defines to which channel to route the command: 'twin' (digital twin) or 'live' (the device).",
    enum: ['twin', 'live'],
    default: 'twin',
  },
  timeout: {
    type: 'integer',
    title: 'The timeout to apply.',
    description:
      "Defines how long the backend should wait (in seconds) for completion of the request. A value of '0' applies fire and forget semantics for the command.",
    minimum: 0,
    maximum: 60,
    default: 60,
  },
  'response-required': {
    type: 'boolean',
    title: 'If a response is required.',
    description: 'Defines whether a response is required to the API call or not.',
    default: true,
  },
  fields: {
    type: 'string',
    title: 'Fields to select.',
    description:
      'Contains a comma-separated list of fields (e.g. property names) to be included in the returned JSON.',
  },
};

/** The body of every error, as `additionalResponses` name it. */
const DITTO_ERROR: JsonObject = {
  type: 'object',
  title: 'Ditto error.',
  description: 'Provides additional information about an occurred error and how to resolve it.',
  properties: {
    status: {
      type: 'integer',
      title: 'Status code.',
      description:
        'The status code of the error with HTTP status code semantics (e.g.: 4xx for user errors, 5xx for server errors).',
      minimum: 400,
      maximum: 599,
    },
    error: {
      type: 'string',
      title: 'Error code identifier.',
      description: 'The error code or identifier that uniquely identifies the error.',
    },
    message: {
      type: 'string',
      title: 'Error message.',
      description:
        'The human readable message that explains what went wrong during the execution of a command/message.',
    },
    description: {
      type: 'string',
      title: 'Error description.',
      description:
        'Contains further information about the error e.g. a hint what caused the problem and how to solve it.',
    },
  },
  required: ['status', 'error', 'message'],
};

/** Model members copied to the TD as they are (the rest is generated or translated). */
const DESCRIPTIVE = ['titles', 'description', 'descriptions', 'support'];

/** A path segment for an href: everything but unreserved characters, `:` and `@` escaped. */
function segment(text: string): string {
  return encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%40/g, '@');
}

function form(op: JsonValue, href: string, method: string, extra: JsonObject = {}): JsonObject {
  return {
    op,
    href,
    'htv:methodName': method,
    contentType: 'application/json',
    ...extra,
    additionalResponses: ERROR_RESPONSES,
  };
}

const SSE: JsonObject = { subprotocol: 'sse', contentType: 'text/event-stream' };
const MERGE_PATCH: JsonObject = { contentType: 'application/merge-patch+json' };

/** Ditto's root forms over all properties (at `attributes` or `properties`) and all events. */
function rootForms(path: string): JsonValue[] {
  return [
    form('readallproperties', `${path}${READ_VARIABLES}`, 'GET'),
    form('readmultipleproperties', `${path}{?fields,channel,timeout}`, 'GET'),
    form('writeallproperties', `${path}${WRITE_VARIABLES}`, 'PUT'),
    form('writemultipleproperties', `${path}${WRITE_VARIABLES}`, 'PATCH', MERGE_PATCH),
    form(['observeallproperties', 'unobserveallproperties'], path, 'GET', SSE),
    form(['subscribeallevents', 'unsubscribeallevents'], 'outbox/messages', 'GET', SSE),
  ];
}

function propertyAffordance(property: JsonObject, href: string, computed: boolean): JsonObject {
  const readOnly = computed || property.readOnly === true;
  const observable = property.observable !== false;
  const forms: JsonValue[] = [];
  if (property.writeOnly !== true)
    forms.push(form('readproperty', `${href}${READ_VARIABLES}`, 'GET'));
  if (!readOnly) {
    forms.push(form('writeproperty', `${href}${WRITE_VARIABLES}`, 'PUT'));
    forms.push(form('writeproperty', `${href}${WRITE_VARIABLES}`, 'PATCH', MERGE_PATCH));
  }
  if (observable) forms.push(form(['observeproperty', 'unobserveproperty'], href, 'GET', SSE));
  return { ...property, ...(readOnly ? { readOnly: true } : {}), observable, forms };
}

/** The part of a type a description is made from: a (sub)model, or a pseudo-model of the schemas. */
interface ModelPart {
  model: JsonObject;
  /** Keys the type computes (derived, windows, roll-ups): read-only for clients. */
  computed: Set<string>;
}

/** The top-level keys under `prefix` (`attributes/`) of the values the type computes. */
function computedKeys(document: JsonObject, prefix: string): Set<string> {
  const keys = new Set<string>();
  for (const section of ['derived', 'windows', 'rollups']) {
    const outputs = document[section];
    if (!isJsonObject(outputs)) continue;
    for (const pointer of Object.keys(outputs)) {
      if (!pointer.startsWith(prefix)) continue;
      const key = pointer.slice(prefix.length).split('/')[0];
      if (key !== '') keys.add(key.replace(/~1/g, '/').replace(/~0/g, '~'));
    }
  }
  return keys;
}

/** A model for a type written as a Twinfold document (no `thingModel`): its schema's properties. */
function pseudoModel(title: string, schema: JsonValue | undefined): JsonObject {
  const properties =
    isJsonObject(schema) && isJsonObject(schema.properties) ? schema.properties : {};
  return { '@type': 'tm:ThingModel', title, properties };
}

function describe(
  part: ModelPart,
  thing: JsonObject,
  id: string,
  base: string,
  links: JsonValue[],
  propertiesPath: string,
): JsonObject {
  const { model, computed } = part;
  const td: JsonObject = { '@context': model['@context'] ?? TD_CONTEXT };
  const modelTypes = Array.isArray(model['@type']) ? model['@type'] : [model['@type']];
  const types = modelTypes.map((t) => (t === 'tm:ThingModel' ? 'Thing' : t));
  td['@type'] = types.length === 1 ? types[0] : types;
  td.title = typeof model.title === 'string' ? model.title : id;
  for (const key of DESCRIPTIVE) if (model[key] !== undefined) td[key] = model[key];
  if (isJsonObject(model.version))
    td.version = { ...model.version, instance: model.version.model ?? null };
  td.id = `urn:${id}`;
  td.base = base;
  // Links of the model but the submodels (which become the features' items).
  const kept = Array.isArray(model.links)
    ? model.links.filter((link) => !isJsonObject(link) || link.rel !== 'tm:submodel')
    : [];
  td.links = [...links, ...kept];
  Object.assign(td, structuredClone(SECURITY));
  if (typeof thing._created === 'string') td.created = thing._created;
  td.forms = rootForms(propertiesPath);
  const properties: JsonObject = {};
  const modelProperties = isJsonObject(model.properties) ? model.properties : {};
  for (const name of new Set([...Object.keys(modelProperties), ...computed])) {
    const property = modelProperties[name];
    properties[name] = propertyAffordance(
      isJsonObject(property) ? property : {},
      `${propertiesPath}/${segment(name)}`,
      computed.has(name),
    );
  }
  td.properties = properties;
  if (isJsonObject(model.actions)) {
    const actions: JsonObject = {};
    for (const [name, action] of Object.entries(model.actions)) {
      const href = `inbox/messages/${segment(name)}{?timeout,response-required}`;
      actions[name] = { ...(action as JsonObject), forms: [form('invokeaction', href, 'POST')] };
    }
    td.actions = actions;
  }
  if (isJsonObject(model.events)) {
    const events: JsonObject = {};
    for (const [name, event] of Object.entries(model.events)) {
      const href = `outbox/messages/${segment(name)}`;
      events[name] = {
        ...(event as JsonObject),
        forms: [form('subscribeevent', href, 'GET', SSE)],
      };
    }
    td.events = events;
  }
  // JSON-LD terms of other vocabularies (`ditto:deprecationNotice`) describe the thing as well.
  for (const [key, value] of Object.entries(model))
    if (/^[A-Za-z][\w.-]*:/.test(key) && !key.startsWith('tm:')) td[key] = value;
  td.uriVariables = structuredClone(URI_VARIABLES);
  td.schemaDefinitions = {
    ...(isJsonObject(model.schemaDefinitions) ? model.schemaDefinitions : {}),
    dittoError: structuredClone(DITTO_ERROR),
  };
  return td;
}

function thingBase(baseUrl: string, thingId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/2/things/${segment(thingId)}/`;
}

function typeLink(baseUrl: string, typeId: string): JsonObject {
  return {
    rel: 'type',
    href: `${baseUrl.replace(/\/+$/, '')}/api/2/types/${segment(typeId)}`,
    type: 'application/json',
  };
}

function thingIdOf(thing: JsonObject): string {
  if (typeof thing.thingId !== 'string') throw new TypeError('the thing has no thingId');
  return thing.thingId;
}

/**
 * The WoT Thing Description of a twin whose definition is the type `typeId` with `document`: as
 * Ditto answers `GET /api/2/things/{thingId}` with `Accept: application/td+json`. Its properties
 * are the model's (or the attributes schema's) with forms at `attributes/<name>` relative to
 * `base` (`<baseUrl>/api/2/things/<thingId>/`); values the type computes are read-only; each
 * feature the type models is an `item` link to its own description.
 *
 * @example
 * thingDescription(thing, 'dc:rack:1.0.0', typeDocument, 'http://127.0.0.1:8080');
 */
export function thingDescription(
  thing: JsonObject,
  typeId: string,
  document: JsonObject,
  baseUrl: string,
): JsonObject {
  const thingId = thingIdOf(thing);
  const schema = isJsonObject(document.schema) ? document.schema : {};
  const model = isJsonObject(document.thingModel)
    ? document.thingModel
    : pseudoModel(typeId, schema.attributes);
  const featureModels = isJsonObject(document.thingModel)
    ? document.thingModel['tm:submodels']
    : schema.features;
  const items = Object.keys(isJsonObject(featureModels) ? featureModels : {}).map((featureId) => ({
    rel: 'item',
    type: 'application/td+json',
    href: `features/${segment(featureId)}`,
  }));
  return describe(
    { model, computed: computedKeys(document, 'attributes/') },
    thing,
    thingId,
    thingBase(baseUrl, thingId),
    [typeLink(baseUrl, typeId), ...items],
    'attributes',
  );
}

/**
 * The WoT Thing Description of one feature of a twin, as Ditto answers
 * `GET /api/2/things/{thingId}/features/{featureId}` with `Accept: application/td+json`: from the
 * type's submodel of that name (or its schema of the feature), forms at `properties/<name>`
 * relative to `<baseUrl>/api/2/things/<thingId>/features/<featureId>/`, a `collection` link to
 * the twin, and a `type` link to the submodel's own URL when the model's `tm:submodel` link names one. A feature the type does not model has a description without properties.
 */
export function featureDescription(
  thing: JsonObject,
  featureId: string,
  typeId: string,
  document: JsonObject,
  baseUrl: string,
): JsonObject {
  const thingId = thingIdOf(thing);
  const schema = isJsonObject(document.schema) ? document.schema : {};
  const submodels = isJsonObject(document.thingModel) ? document.thingModel['tm:submodels'] : null;
  const features = isJsonObject(schema.features) ? schema.features : {};
  const model =
    isJsonObject(submodels) && isJsonObject(submodels[featureId])
      ? submodels[featureId]
      : pseudoModel(`${typeId} ${featureId}`, features[featureId]);
  const base = `${thingBase(baseUrl, thingId)}features/${segment(featureId)}/`;
  // The model the submodel came from, as Ditto links a feature's TD to its definition.
  const modelLinks = isJsonObject(document.thingModel) ? document.thingModel.links : undefined;
  const origin = Array.isArray(modelLinks)
    ? modelLinks.find(
        (link) =>
          isJsonObject(link) && link.rel === 'tm:submodel' && link.instanceName === featureId,
      )
    : undefined;
  const originLinks: JsonValue[] = isJsonObject(origin)
    ? [{ rel: 'type', href: origin.href, type: 'application/tm+json' }]
    : [];
  const collection = {
    rel: 'collection',
    href: thingBase(baseUrl, thingId),
    type: 'application/td+json',
  };
  const prefix = `features/${featureId.replace(/~/g, '~0').replace(/\//g, '~1')}/properties/`;
  return describe(
    { model, computed: computedKeys(document, prefix) },
    thing,
    `${thingId}/features/${featureId}`,
    base,
    [collection, typeLink(baseUrl, typeId), ...originLinks],
    'properties',
  );
}
