// The mapper and spec validation: messages to observations, and every error with where it is.
import { describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import { compileJsonPath, readPath } from './json-path.js';
import { mapMessage, parseTimestamp } from './mapper.js';
import { compileSpec } from './spec-validation.js';

const NOW = 1_700_000_000_000;

function spec(body: Record<string, unknown>) {
  return compileSpec('s', { source: { http: {} }, thingId: 'fleet:{{$.vin}}', ...body });
}

function invalid(body: unknown): string {
  try {
    compileSpec('s', body);
  } catch (error) {
    expect(error).toBeInstanceOf(TwinfoldError);
    expect((error as TwinfoldError).status).toBe(400);
    expect((error as TwinfoldError).code).toBe('ingest:spec.invalid');
    return (error as TwinfoldError).message;
  }
  throw new Error('the spec was accepted');
}

describe('json path', () => {
  it('reads members, indexes and quoted names; missing steps are undefined', () => {
    const doc = { a: { b: 1, 'x y': [10, 20] }, list: [{ t: 0 }] };
    expect(readPath(compileJsonPath('$.a.b'), doc, doc)).toBe(1);
    expect(readPath(compileJsonPath("$.a['x y'][1]"), doc, doc)).toBe(20);
    expect(readPath(compileJsonPath('$.list[0].t'), doc, doc)).toBe(0);
    expect(readPath(compileJsonPath('$.list[3].t'), doc, doc)).toBeUndefined();
    expect(readPath(compileJsonPath('$.a.toString'), doc, doc)).toBeUndefined();
    expect(readPath(compileJsonPath('$$.a.b'), { other: 1 }, doc)).toBe(1);
    expect(readPath(compileJsonPath('$'), doc, doc)).toBe(doc);
  });

  it('refuses what it does not support, saying where', () => {
    expect(() => compileJsonPath('$..a')).toThrow(/recursive descent.*character 1/);
    expect(() => compileJsonPath('$.a[?(@.x)]')).toThrow(/not supported.*character 4/);
    expect(() => compileJsonPath('a.b')).toThrow(/starts with/);
    expect(() => compileJsonPath('$.a[0')).toThrow(/not closed/);
  });
});

describe('spec validation', () => {
  it('accepts the contract shape of the issue', () => {
    const compiled = compileSpec('s', {
      source: { mqtt: { topic: 'devices/+thingId/telemetry', qos: 1 } },
      thingId: '{{topic.thingId}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      each: '$.readings[*]',
      values: {
        'features/temperature/properties/value': '$.temperature',
        'features/temperature/properties/fahrenheit': { jsonata: 'temperature * 1.8 + 32' },
      },
      create: { definition: 'acme:sensor:1', attributes: { kind: 'sensor' } },
    });
    expect(compiled.source).toBe('mqtt');
    expect(compiled.namespaces).toBeNull();
    expect(compiled.hasJsonata).toBe(true);
  });

  it('names the field of a bad JSONPath, JSONata, template and source', () => {
    expect(
      invalid({
        source: { http: {} },
        thingId: 'fleet:{{$.vin}}',
        values: { 'features/a/properties/v': '$..x' },
      }),
    ).toMatch(/at \/values\/features~1a~1properties~1v: recursive descent/);
    expect(
      invalid({
        source: { http: {} },
        thingId: 'fleet:{{$.vin}}',
        values: { 'features/a/properties/v': { jsonata: 'a +' } },
      }),
    ).toMatch(/at \/values\/features~1a~1properties~1v\/jsonata: JSONata: .*character/);
    expect(
      invalid({
        source: { http: {} },
        thingId: 'fleet:{{nope.x}}',
        values: { 'attributes/a': '$.a' },
      }),
    ).toMatch(/at \/thingId: 'nope' is not a placeholder scope/);
    expect(
      invalid({
        source: { http: {} },
        thingId: 'fleet:{{$.vin',
        values: { 'attributes/a': '$.a' },
      }),
    ).toMatch(/at \/thingId: '\{\{' is not closed/);
    expect(
      invalid({
        source: { kafka: {} },
        thingId: 'fleet:{{$.vin}}',
        values: { 'attributes/a': '$.a' },
      }),
    ).toMatch(/at \/source\/kafka: 'kafka' is not a known source/);
    expect(
      invalid({
        source: { mqtt: {} },
        thingId: 'fleet:{{$.vin}}',
        values: { 'attributes/a': '$.a' },
      }),
    ).toMatch(/at \/source\/mqtt\/topic/);
  });

  it('refuses unknown fields, bad targets, timestamp formats and create fields', () => {
    const message = invalid({
      source: { http: {} },
      thingId: 'fleet:{{$.vin}}',
      values: { thingId: '$.a', 'features/x/value': '$.a' },
      timestamp: { path: '$.ts', format: 'epoch-ns' },
      create: { colour: 'red' },
      extra: 1,
    });
    expect(message).toMatch(/at \/extra: 'extra' is not a field of a spec/);
    expect(message).toMatch(/at \/values\/thingId: target/);
    expect(message).toMatch(/at \/values\/features~1x~1value: target/);
    expect(message).toMatch(/at \/timestamp\/format: one of iso8601/);
    expect(message).toMatch(/at \/create\/colour/);
  });
});

describe('mapper', () => {
  const three = spec({
    values: {
      'features/speed/properties/value': '$.speed',
      'features/door/properties/open': '$.open',
      'attributes/driver': '$.driver',
      'attributes/note': '$.note',
    },
  });

  it('keeps 0, false, "" and null; skips a missing path', () => {
    const result = mapMessage(
      three,
      { vin: 'X1', speed: 0, open: false, driver: '', note: null },
      {},
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      observations: [
        {
          thingId: 'fleet:X1',
          timestamp: NOW,
          values: [
            ['features/speed/properties/value', 0],
            ['features/door/properties/open', false],
            ['attributes/driver', ''],
            ['attributes/note', null],
          ],
        },
      ],
    });
    const partial = mapMessage(three, { vin: 'X1', speed: 3 }, {}, NOW);
    expect(partial).toEqual({
      ok: true,
      observations: [
        { thingId: 'fleet:X1', timestamp: NOW, values: [['features/speed/properties/value', 3]] },
      ],
    });
  });

  it('rejects a missing required value and an unfillable thingId, saying where', () => {
    const required = spec({
      values: { 'features/speed/properties/value': { path: '$.speed', required: true } },
    });
    expect(mapMessage(required, { vin: 'X1' }, {}, NOW)).toEqual({
      ok: false,
      errors: [
        {
          reason: 'value.missing',
          at: '/values/features~1speed~1properties~1value',
          detail: 'the required value $.speed is missing',
        },
      ],
    });
    const listed = spec({ values: { 'attributes/a': '$.a' }, required: ['attributes/a'] });
    expect(mapMessage(listed, { vin: 'X1' }, {}, NOW)).toMatchObject({ ok: false });
    expect(mapMessage(three, { speed: 1 }, {}, NOW)).toMatchObject({
      ok: false,
      errors: [
        {
          reason: 'thingid.unresolved',
          at: '/thingId',
          detail: expect.stringContaining('$.vin is missing'),
        },
      ],
    });
  });

  it('maps each element, with $$ reaching the whole message, and payload timestamps', () => {
    const each = compileSpec('s', {
      source: { http: {} },
      thingId: '{{header.x-fleet}}:{{$$.vin}}-{{$.axle}}',
      each: '$.readings[*]',
      timestamp: { path: '$.ts', format: 'epoch-s' },
      values: { 'features/tyre/properties/bar': '$.bar', 'attributes/vin': '$$.vin' },
    });
    const result = mapMessage(
      each,
      {
        vin: 'V',
        readings: [
          { axle: 1, bar: 2.1, ts: 1700000000 },
          { axle: 2, bar: 0 },
        ],
      },
      { headers: { 'x-fleet': 'fleet' } },
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      observations: [
        {
          thingId: 'fleet:V-1',
          timestamp: 1_700_000_000_000,
          values: [
            ['features/tyre/properties/bar', 2.1],
            ['attributes/vin', 'V'],
          ],
        },
        {
          thingId: 'fleet:V-2',
          timestamp: NOW,
          values: [
            ['features/tyre/properties/bar', 0],
            ['attributes/vin', 'V'],
          ],
        },
      ],
    });
    expect(mapMessage(each, { vin: 'V' }, { headers: { 'x-fleet': 'f' } }, NOW)).toMatchObject({
      ok: false,
      errors: [{ reason: 'each.invalid', at: '/each' }],
    });
    expect(
      mapMessage(
        each,
        { vin: 'V', readings: [{ axle: 1, ts: 'noon' }] },
        { headers: { 'x-fleet': 'f' } },
        NOW,
      ),
    ).toMatchObject({
      ok: false,
      errors: [{ reason: 'timestamp.invalid', element: 0, at: '/timestamp' }],
    });
  });

  it('fills topic and subject placeholders', () => {
    const compiled = compileSpec('s', {
      source: { nats: { subject: 'fleet.*.telemetry' } },
      thingId: '{{subject.0}}:{{subject.1}}',
      values: { 'attributes/a': '$.a' },
    });
    expect(mapMessage(compiled, { a: 1 }, { subject: ['fleet', 'truck7'] }, NOW)).toMatchObject({
      ok: true,
      observations: [{ thingId: 'fleet:truck7' }],
    });
    const topic = compileSpec('s', {
      source: { mqtt: { topic: 'devices/+thingId/telemetry' } },
      thingId: '{{topic.thingId}}',
      values: { 'attributes/a': '$.a' },
    });
    expect(mapMessage(topic, { a: 1 }, { topic: { thingId: 'ns:dev' } }, NOW)).toMatchObject({
      ok: true,
      observations: [{ thingId: 'ns:dev' }],
    });
  });

  it('evaluates JSONata, with $message for the whole message, and reports its failures', async () => {
    const compiled = spec({
      values: {
        'features/t/properties/f': { jsonata: 'temperature * 1.8 + 32' },
        'features/t/properties/vin': { jsonata: '$message.vin' },
        'features/t/properties/none': { jsonata: 'missing' },
      },
    });
    await expect(mapMessage(compiled, { vin: 'X', temperature: 0 }, {}, NOW)).resolves.toEqual({
      ok: true,
      observations: [
        {
          thingId: 'fleet:X',
          timestamp: NOW,
          values: [
            ['features/t/properties/f', 32],
            ['features/t/properties/vin', 'X'],
          ],
        },
      ],
    });
    const failing = spec({ values: { 'attributes/x': { jsonata: '$error("boom")' } } });
    await expect(mapMessage(failing, { vin: 'X' }, {}, NOW)).resolves.toMatchObject({
      ok: false,
      errors: [
        {
          reason: 'value.invalid',
          at: '/values/attributes~1x/jsonata',
          detail: expect.stringContaining('boom'),
        },
      ],
    });
  });

  it('parses the four timestamp formats', () => {
    expect(parseTimestamp('2026-12-01T12:00:00Z', 'iso8601')).toBe(Date.UTC(2026, 11, 1, 12));
    expect(parseTimestamp('yesterday', 'iso8601')).toBeNull();
    expect(parseTimestamp(1.5, 'epoch-s')).toBe(1500);
    expect(parseTimestamp(1500, 'epoch-ms')).toBe(1500);
    expect(parseTimestamp(1_500_000, 'epoch-us')).toBe(1500);
    expect(parseTimestamp('1500', 'epoch-ms')).toBeNull();
  });
});
