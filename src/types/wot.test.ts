// Thing Models in, type documents out; a thing and its type in, Thing Descriptions out.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import {
  featureDescription,
  TD_CONTEXT,
  thingDescription,
  typeDocumentFromThingModel,
} from './wot.js';

const RACK_TM: JsonObject = {
  '@context': [TD_CONTEXT, { om2: 'http://www.ontology-of-units-of-measure.org/resource/om-2/' }],
  '@type': 'tm:ThingModel',
  title: 'Rack',
  description: 'A rack of servers.',
  version: { model: '1.0.0' },
  'tm:optional': ['/properties/label', '/actions/reboot'],
  properties: {
    serial: { title: 'Serial number', type: 'string', readOnly: true, pattern: '^R-[0-9]+$' },
    slots: { type: 'integer', minimum: 1, maximum: 48 },
    label: { type: 'string', maxLength: 32 },
    location: {
      type: 'object',
      properties: { row: { type: 'string', enum: ['A', 'B'] }, u: { type: 'integer' } },
      required: ['row'],
    },
  },
  actions: {
    reboot: { title: 'Reboot', input: { type: 'boolean' } },
  },
  events: {
    overheated: { data: { type: 'number', unit: 'om2:degreeCelsius' } },
  },
  links: [
    {
      rel: 'tm:submodel',
      href: 'https://models.example/power-1.0.0.tm.jsonld',
      instanceName: 'power',
    },
  ],
  'tm:submodels': {
    power: {
      '@type': 'tm:ThingModel',
      title: 'Power',
      properties: {
        watts: {
          '@type': 'om2:Power',
          type: 'number',
          unit: 'om2:watt',
          minimum: 0,
          observable: true,
        },
        on: {
          type: 'boolean',
          'ditto:deprecationNotice': { deprecated: false, removalVersion: '2.0.0' },
        },
      },
      'tm:optional': ['/properties/on'],
    },
  },
};

function refusal(tm: unknown): TwinfoldError {
  try {
    typeDocumentFromThingModel(tm);
  } catch (error) {
    expect(error).toBeInstanceOf(TwinfoldError);
    const e = error as TwinfoldError;
    expect(e.code).toBe('types:type.invalid');
    expect(e.status).toBe(400);
    return e;
  }
  throw new Error('the Thing Model was accepted');
}

const tm = (extra: JsonObject): JsonObject => ({ '@type': 'tm:ThingModel', ...extra });

describe('typeDocumentFromThingModel', () => {
  it('wot - a Thing Model becomes attribute and feature schemas, the model kept whole', () => {
    const document = typeDocumentFromThingModel(RACK_TM);
    expect(document).toEqual({
      schema: {
        attributes: {
          type: 'object',
          properties: {
            serial: {
              title: 'Serial number',
              type: 'string',
              readOnly: true,
              pattern: '^R-[0-9]+$',
            },
            slots: { type: 'integer', minimum: 1, maximum: 48 },
            label: { type: 'string', maxLength: 32 },
            location: {
              type: 'object',
              properties: { row: { type: 'string', enum: ['A', 'B'] }, u: { type: 'integer' } },
              required: ['row'],
            },
          },
          required: ['serial', 'slots', 'location'],
        },
        features: {
          power: {
            type: 'object',
            properties: { watts: { type: 'number', minimum: 0 }, on: { type: 'boolean' } },
            required: ['watts'],
          },
        },
      },
      thingModel: RACK_TM,
    });
    // A copy: changing the model given later changes nothing kept.
    expect(document.thingModel).not.toBe(RACK_TM);
  });

  it('wot - the schemas compile in a strict JSON Schema validator and validate as the model says', () => {
    const { schema } = typeDocumentFromThingModel(RACK_TM) as {
      schema: { attributes: object; features: { power: object } };
    };
    const ajv = new Ajv({ strict: true, allErrors: true });
    const attributes = ajv.compile(schema.attributes);
    const power = ajv.compile(schema.features.power);
    expect(attributes({ serial: 'R-12', slots: 42, location: { row: 'A' } })).toBe(true);
    expect(attributes({ serial: 'R-12', slots: 49, location: { row: 'A' } })).toBe(false);
    expect(attributes({ serial: 'X-12', slots: 4, location: { row: 'A' } })).toBe(false);
    expect(attributes({ serial: 'R-12', slots: 4, location: { row: 'C' } })).toBe(false);
    expect(attributes({ serial: 'R-12', location: { row: 'A' } })).toBe(false);
    expect(
      attributes({ serial: 'R-1', slots: 4, location: { row: 'B' }, label: 'x'.repeat(33) }),
    ).toBe(false);
    expect(power({ watts: 12.5 })).toBe(true);
    expect(power({ watts: -1 })).toBe(false);
    expect(power({ on: true })).toBe(false);
  });

  it('wot - a model without properties or submodels constrains nothing', () => {
    expect(typeDocumentFromThingModel(tm({ title: 'Bare' }))).toEqual({
      schema: {},
      thingModel: { '@type': 'tm:ThingModel', title: 'Bare' },
    });
    expect(
      typeDocumentFromThingModel(
        tm({ '@type': ['tm:ThingModel', 'saref:Device'], properties: {} }),
      ),
    ).toEqual({
      schema: { attributes: { type: 'object', properties: {} } },
      thingModel: { '@type': ['tm:ThingModel', 'saref:Device'], properties: {} },
    });
  });

  it('wot - what is not a Thing Model is refused, naming the part', () => {
    expect(refusal([]).message).toContain("'/'");
    expect(refusal({ title: 'x' }).message).toContain("'@type'");
    expect(refusal({ '@type': 'Thing' }).message).toContain('tm:ThingModel');
    expect(refusal({ '@type': ['saref:Device'] }).message).toContain('tm:ThingModel');
    expect(refusal(tm({ title: 3 })).message).toContain("'title'");
    expect(refusal(tm({ version: '1.0.0' })).message).toContain("'version'");
    expect(refusal(tm({ colour: 'red' })).message).toContain("'colour' is not a member");
    expect(refusal(tm({ forms: [] })).message).toContain("'forms'");
    expect(refusal(tm({ securityDefinitions: {} })).message).toContain("'securityDefinitions'");
    expect(refusal(tm({ id: 'urn:x' })).message).toContain("'id'");
    expect(refusal(tm({ '@context': 5 })).message).toContain("'@context'");
    expect(refusal(tm({ '@context': [TD_CONTEXT, 7] })).message).toContain("'@context'");
  });

  it('wot - a bad property schema is refused, naming the term', () => {
    const property = (schema: unknown) =>
      refusal(tm({ properties: { watts: schema } as JsonObject })).message;
    expect(property({ type: 'float' })).toContain("'properties/watts/type'");
    expect(property({ type: 'number', minimum: '0' })).toContain("'properties/watts/minimum'");
    expect(property({ type: 'string', minimum: 0 })).toContain(
      "'minimum' applies to number or integer",
    );
    expect(property({ type: 'number', minimun: 0 })).toContain("'minimun' is not a term");
    expect(property({ type: 'number', multipleOf: 0 })).toContain('greater than 0');
    expect(property({ type: 'string', pattern: '([' })).toContain('not a regular expression');
    expect(property({ type: 'string', enum: [] })).toContain("'properties/watts/enum'");
    expect(property({ type: 'array', items: { type: 'nope' } })).toContain(
      "'properties/watts/items/type'",
    );
    expect(
      property({ type: 'object', properties: { a: { type: 'number', maximum: null } } }),
    ).toContain("'properties/watts/properties/a/maximum'");
    expect(property({ type: 'number', readOnly: 'yes' })).toContain("'properties/watts/readOnly'");
    expect(property({ 'tm:ref': 'https://x.example/m.tm.jsonld#/properties/w' })).toContain(
      'tm:ref',
    );
    expect(property({ type: 'number', forms: [] })).toContain('forms');
    expect(property({ type: 'number', 'ditto:category': 'status' })).toContain('categories');
    expect(property('number')).toContain('must be an object');
    expect(refusal(tm({ properties: { 'a/b': { type: 'number' } } })).message).toContain(
      "'properties/a~1b'",
    );
  });

  it('wot - references to fetch, placeholders and bad optional pointers are refused', () => {
    expect(
      refusal(tm({ links: [{ rel: 'tm:extends', href: 'https://x.example/base.tm.jsonld' }] }))
        .message,
    ).toContain("'links/0/rel'");
    const link = {
      rel: 'tm:submodel',
      href: 'https://x.example/p.tm.jsonld',
      instanceName: 'power',
    };
    expect(refusal(tm({ links: [link] })).message).toContain('"tm:submodels"');
    expect(refusal(tm({ links: [{ rel: 'tm:submodel', href: 'h' }] })).message).toContain(
      'instanceName',
    );
    expect(refusal(tm({ title: '{{TITLE}}' })).message).toContain('placeholders');
    expect(
      refusal(tm({ properties: { a: { type: 'string', default: 'x{{Y}}' } } })).message,
    ).toContain("'properties/a/default'");
    expect(refusal(tm({ 'tm:optional': ['/properties/missing'] })).message).toContain(
      "'tm:optional/0'",
    );
    expect(refusal(tm({ 'tm:submodels': { 'a/b': tm({}) } })).message).toContain(
      "'tm:submodels/a~1b'",
    );
    expect(refusal(tm({ 'tm:submodels': { p: { title: 'no type' } } })).message).toContain(
      "'tm:submodels/p/@type'",
    );
    expect(
      refusal(tm({ 'tm:submodels': { p: tm({ 'tm:submodels': { q: tm({}) } }) } })).message,
    ).toContain('has no submodels');
    expect(refusal(tm({ actions: { go: { input: { type: 'nope' } } } })).message).toContain(
      "'actions/go/input/type'",
    );
    expect(refusal(tm({ actions: { go: { forms: [] } } })).message).toContain("'actions/go/forms'");
    expect(refusal(tm({ events: { e: { payload: {} } } })).message).toContain("'events/e/payload'");
  });
});

const THING: JsonObject = {
  thingId: 'dc:rack-7',
  policyId: 'dc:rack-7',
  definition: 'dc:rack:1.0.0',
  attributes: { serial: 'R-7', slots: 42, location: { row: 'A' } },
  features: { power: { properties: { watts: 120 } } },
  _created: '2026-12-02T03:00:00.000Z',
};

const errorResponses = [{ success: false, schema: 'dittoError' }];

describe('thingDescription', () => {
  const document = typeDocumentFromThingModel(RACK_TM);
  const td = thingDescription(THING, 'dc:rack:1.0.0', document, 'https://twins.example/');

  it('wot - a thing is described as Ditto does: id, base, links, security, root forms', () => {
    expect(td['@context']).toEqual(RACK_TM['@context']);
    expect(td['@type']).toBe('Thing');
    expect(td.title).toBe('Rack');
    expect(td.description).toBe('A rack of servers.');
    expect(td.version).toEqual({ model: '1.0.0', instance: '1.0.0' });
    expect(td.id).toBe('urn:dc:rack-7');
    expect(td.base).toBe('https://twins.example/api/2/things/dc:rack-7/');
    expect(td.created).toBe('2026-12-02T03:00:00.000Z');
    expect(td.links).toEqual([
      {
        rel: 'type',
        href: 'https://twins.example/api/2/types/dc:rack:1.0.0',
        type: 'application/json',
      },
      { rel: 'item', type: 'application/td+json', href: 'features/power' },
    ]);
    expect(td.security).toBe('combo_sc');
    expect(td.securityDefinitions).toEqual({
      basic_sc: { scheme: 'basic', in: 'header' },
      bearer_sc: { scheme: 'bearer', in: 'header', name: 'Authorization' },
      combo_sc: { scheme: 'combo', oneOf: ['basic_sc', 'bearer_sc'] },
    });
    expect(td.forms).toEqual([
      {
        op: 'readallproperties',
        href: 'attributes{?channel,timeout}',
        'htv:methodName': 'GET',
        contentType: 'application/json',
        additionalResponses: errorResponses,
      },
      {
        op: 'readmultipleproperties',
        href: 'attributes{?fields,channel,timeout}',
        'htv:methodName': 'GET',
        contentType: 'application/json',
        additionalResponses: errorResponses,
      },
      {
        op: 'writeallproperties',
        href: 'attributes{?channel,timeout,response-required}',
        'htv:methodName': 'PUT',
        contentType: 'application/json',
        additionalResponses: errorResponses,
      },
      {
        op: 'writemultipleproperties',
        href: 'attributes{?channel,timeout,response-required}',
        'htv:methodName': 'PATCH',
        contentType: 'application/merge-patch+json',
        additionalResponses: errorResponses,
      },
      {
        op: ['observeallproperties', 'unobserveallproperties'],
        href: 'attributes',
        'htv:methodName': 'GET',
        contentType: 'text/event-stream',
        subprotocol: 'sse',
        additionalResponses: errorResponses,
      },
      {
        op: ['subscribeallevents', 'unsubscribeallevents'],
        href: 'outbox/messages',
        'htv:methodName': 'GET',
        contentType: 'text/event-stream',
        subprotocol: 'sse',
        additionalResponses: errorResponses,
      },
    ]);
    expect(Object.keys(td.uriVariables as object)).toEqual([
      'channel',
      'timeout',
      'response-required',
      'fields',
    ]);
    expect((td.schemaDefinitions as JsonObject).dittoError).toMatchObject({
      required: ['status', 'error', 'message'],
    });
  });

  it('wot - properties carry the model with forms at the attributes; read-only ones cannot be written', () => {
    const properties = td.properties as Record<string, JsonObject>;
    expect(Object.keys(properties)).toEqual(['serial', 'slots', 'label', 'location']);
    expect(properties.serial).toEqual({
      title: 'Serial number',
      type: 'string',
      readOnly: true,
      pattern: '^R-[0-9]+$',
      observable: true,
      forms: [
        {
          op: 'readproperty',
          href: 'attributes/serial{?channel,timeout}',
          'htv:methodName': 'GET',
          contentType: 'application/json',
          additionalResponses: errorResponses,
        },
        {
          op: ['observeproperty', 'unobserveproperty'],
          href: 'attributes/serial',
          'htv:methodName': 'GET',
          contentType: 'text/event-stream',
          subprotocol: 'sse',
          additionalResponses: errorResponses,
        },
      ],
    });
    expect(
      (properties.slots.forms as JsonObject[]).map((f) => [f.op, f['htv:methodName'], f.href]),
    ).toEqual([
      ['readproperty', 'GET', 'attributes/slots{?channel,timeout}'],
      ['writeproperty', 'PUT', 'attributes/slots{?channel,timeout,response-required}'],
      ['writeproperty', 'PATCH', 'attributes/slots{?channel,timeout,response-required}'],
      [['observeproperty', 'unobserveproperty'], 'GET', 'attributes/slots'],
    ]);
    expect(td.actions).toEqual({
      reboot: {
        title: 'Reboot',
        input: { type: 'boolean' },
        forms: [
          {
            op: 'invokeaction',
            href: 'inbox/messages/reboot{?timeout,response-required}',
            'htv:methodName': 'POST',
            contentType: 'application/json',
            additionalResponses: errorResponses,
          },
        ],
      },
    });
    expect(td.events).toEqual({
      overheated: {
        data: { type: 'number', unit: 'om2:degreeCelsius' },
        forms: [
          {
            op: 'subscribeevent',
            href: 'outbox/messages/overheated',
            'htv:methodName': 'GET',
            contentType: 'text/event-stream',
            subprotocol: 'sse',
            additionalResponses: errorResponses,
          },
        ],
      },
    });
    // Nothing of the model's instance-free parts leaks through.
    expect(td).not.toHaveProperty('tm:submodels');
    expect(td).not.toHaveProperty('tm:optional');
  });

  it('wot - a feature is described from its submodel, under the feature', () => {
    const feature = featureDescription(
      THING,
      'power',
      'dc:rack:1.0.0',
      document,
      'https://twins.example',
    );
    expect(feature.title).toBe('Power');
    expect(feature.id).toBe('urn:dc:rack-7/features/power');
    expect(feature.base).toBe('https://twins.example/api/2/things/dc:rack-7/features/power/');
    expect(feature.links).toEqual([
      {
        rel: 'collection',
        href: 'https://twins.example/api/2/things/dc:rack-7/',
        type: 'application/td+json',
      },
      {
        rel: 'type',
        href: 'https://twins.example/api/2/types/dc:rack:1.0.0',
        type: 'application/json',
      },
      {
        rel: 'type',
        href: 'https://models.example/power-1.0.0.tm.jsonld',
        type: 'application/tm+json',
      },
    ]);
    expect((feature.forms as JsonObject[])[0].href).toBe('properties{?channel,timeout}');
    const properties = feature.properties as Record<string, JsonObject>;
    expect(properties.watts).toMatchObject({
      '@type': 'om2:Power',
      unit: 'om2:watt',
      observable: true,
    });
    expect((properties.watts.forms as JsonObject[]).map((f) => f.href)).toEqual([
      'properties/watts{?channel,timeout}',
      'properties/watts{?channel,timeout,response-required}',
      'properties/watts{?channel,timeout,response-required}',
      'properties/watts',
    ]);
    expect(properties.on['ditto:deprecationNotice']).toEqual({
      deprecated: false,
      removalVersion: '2.0.0',
    });
    // A feature the type does not model: described, without properties.
    const other = featureDescription(
      THING,
      'fan',
      'dc:rack:1.0.0',
      document,
      'https://twins.example',
    );
    expect(other.properties).toEqual({});
    expect((other.links as JsonObject[]).map((l) => l.rel)).toEqual(['collection', 'type']);
    expect(other.base).toBe('https://twins.example/api/2/things/dc:rack-7/features/fan/');
  });

  it('wot - a Twinfold type document is described from its schemas; computed values are read-only', () => {
    const own: JsonObject = {
      schema: {
        attributes: { type: 'object', properties: { site: { type: 'string' } } },
        features: {
          power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } },
        },
      },
      derived: {
        'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
        'attributes/label': '"r"',
      },
    };
    const thing = { ...THING, thingId: 'dc:rack 8?' };
    const description = thingDescription(thing, 'dc:rack:2', own, 'http://127.0.0.1:8080');
    expect(description['@context']).toBe(TD_CONTEXT);
    expect(description['@type']).toBe('Thing');
    expect(description.id).toBe('urn:dc:rack 8?');
    expect(description.title).toBe('dc:rack:2');
    expect(description.base).toBe('http://127.0.0.1:8080/api/2/things/dc:rack%208%3F/');
    const properties = description.properties as Record<string, JsonObject>;
    expect(Object.keys(properties)).toEqual(['site', 'label']);
    expect(properties.label.readOnly).toBe(true);
    expect((properties.label.forms as JsonObject[]).map((f) => f.op)).toEqual([
      'readproperty',
      ['observeproperty', 'unobserveproperty'],
    ]);
    expect((description.links as JsonObject[]).map((l) => l.href)).toEqual([
      'http://127.0.0.1:8080/api/2/types/dc:rack:2',
      'features/power',
    ]);
    const power = featureDescription(thing, 'power', 'dc:rack:2', own, 'http://127.0.0.1:8080');
    const featureProperties = power.properties as Record<string, JsonObject>;
    expect(Object.keys(featureProperties)).toEqual(['watts', 'kw']);
    expect(featureProperties.watts).toMatchObject({ type: 'number', minimum: 0 });
    expect(featureProperties.kw.readOnly).toBe(true);
    expect((featureProperties.watts.forms as JsonObject[]).length).toBe(4);
  });
});
