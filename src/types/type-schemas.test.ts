import { describe, expect, it } from 'vitest';
import { compileSchemas } from './type-schemas.js';
import { caught } from './type-test-support.js';

const SCHEMA = {
  attributes: { type: 'object', properties: { rack: { type: 'string' } }, required: ['rack'] },
  features: {
    power: {
      type: 'object',
      properties: {
        watts: { type: 'number', minimum: 0 },
        mode: { type: ['string', 'null'] },
        n: { type: 'integer' },
      },
    },
  },
};

describe('type schemas', () => {
  const schemas = compileSchemas(SCHEMA);

  it('accept a matching thing and leave features the schema does not name free', () => {
    expect(() =>
      schemas.validateThing('dc:r1', {
        attributes: { rack: 'R1' },
        features: { power: { properties: { watts: 12 } }, other: { properties: { watts: 'x' } } },
      }),
    ).not.toThrow();
  });

  it('name the failing pointer and ajv message', () => {
    const err = caught(() =>
      schemas.validateThing('dc:r1', {
        attributes: { rack: 'R1' },
        features: { power: { properties: { watts: -1 } } },
      }),
    );
    expect([err.status, err.code]).toEqual([400, 'wot:payload.validation.error']);
    expect(err.message).toContain("at '/features/power/properties/watts': must be >= 0");
    const missing = caught(() => schemas.validateThing('dc:r1', {}));
    expect(missing.message).toContain("at '/attributes/rack': must have required property 'rack'");
  });

  it('validate attributes ?? {} and properties ?? {}', () => {
    const required = compileSchemas({
      features: {
        power: { type: 'object', required: ['watts'], properties: { watts: { type: 'number' } } },
      },
    });
    expect(caught(() => required.validateThing('dc:r1', { features: {} })).message).toContain(
      "'/features/power/properties/watts'",
    );
  });

  it('know the types allowed at a pointer', () => {
    expect([...(schemas.typesAt(['features', 'power', 'properties', 'watts']) ?? [])]).toEqual([
      'number',
    ]);
    expect([...(schemas.typesAt(['features', 'power', 'properties', 'n']) ?? [])]).toEqual([
      'integer',
      'number',
    ]);
    expect([...(schemas.typesAt(['features', 'power', 'properties', 'mode']) ?? [])]).toEqual([
      'string',
      'null',
    ]);
    expect([...(schemas.typesAt(['attributes', 'rack']) ?? [])]).toEqual(['string']);
    expect(schemas.typesAt(['features', 'power', 'properties', 'kw'])).toBeNull();
    expect(schemas.typesAt(['features', 'other', 'properties', 'watts'])).toBeNull();
    expect(schemas.typesAt(['features', 'power', 'desiredProperties', 'watts'])).toBeNull();
  });

  it('know where a closed object refuses a member', () => {
    const closed = compileSchemas({
      attributes: {
        type: 'object',
        properties: { a: { type: 'number' } },
        additionalProperties: false,
      },
      features: { open: { type: 'object' }, shut: false },
    });
    expect(closed.forbids(['attributes', 'a'])).toBe(false);
    expect(closed.forbids(['attributes', 'b'])).toBe(true);
    expect(closed.forbids(['features', 'open', 'properties', 'x'])).toBe(false);
    expect(closed.forbids(['features', 'shut', 'properties', 'x'])).toBe(true);
    expect(closed.forbids(['features', 'other', 'properties', 'x'])).toBe(false);
  });

  it('refuse invalid schemas and unknown members', () => {
    const where = (schema: unknown): string =>
      caught(() => compileSchemas(schema as never)).message;
    expect(where({ attributes: { type: 'nope' } })).toContain("at 'schema/attributes'");
    expect(where({ attributes: { properties: { a: { type: 'string' } } } })).toContain(
      'strict mode',
    );
    expect(where({ attributes: { type: 'object', minimumm: 1 } })).toContain('unknown keyword');
    expect(where({ features: { power: 5 } })).toContain("at 'schema/features/power'");
    expect(where({ features: { 'a/b': {} } })).toContain("at 'schema/features/a~1b'");
    expect(where({ features: [] })).toContain("at 'schema/features'");
    expect(where({ extra: {} })).toContain("at 'schema/extra'");
    expect(where('x')).toContain("at 'schema'");
  });
});
