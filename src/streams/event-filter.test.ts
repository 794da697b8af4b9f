// Ditto's event filter semantics and the Ditto Protocol command parser, without a server.
import { describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import { commandUrl, parseCommand, ProtocolMessageError } from './ditto-protocol.js';
import {
  changedThing,
  filterDocument,
  mayWant,
  parseSelection,
  passesFilter,
  thingIdsOf,
} from './event-filter.js';

const event = (over: Partial<TwinEvent>): TwinEvent => ({
  thingId: 'org.acme:lamp',
  action: 'modified',
  path: ['attributes', 'counter'],
  value: 43,
  revision: 7,
  timestamp: Date.UTC(2026, 0, 1),
  seq: 12,
  ...over,
});

const passes = (filter: string, e: TwinEvent, extra?: Record<string, never> | object) =>
  passesFilter(parseSelection({ filter }), e, extra as never);

describe('event filter - what a filter sees', () => {
  it('sees the changed data placed at its path, and the thingId', () => {
    expect(changedThing(event({}))).toEqual({
      thingId: 'org.acme:lamp',
      attributes: { counter: 43 },
    });
    expect(passes('gt(attributes/counter,42)', event({}))).toBe(true);
    expect(passes('gt(attributes/counter,43)', event({}))).toBe(false);
    expect(passes('exists(attributes/room)', event({}))).toBe(false);
  });

  it('sees an alert whole, its null members shown, whether an event carries it with them or not', () => {
    const stored = { id: 'org.acme:lamp:hot:7', state: 'active', raisedAt: 5, raisedRevision: 7 };
    const patch = event({ action: 'merged', path: [], value: { _alerts: { hot: stored } } });
    expect(changedThing(patch)).toMatchObject({
      _alerts: { hot: { ...stored, resolvedAt: null, acknowledgedBy: null, note: null } },
    });
    expect(passes('eq(_alerts/hot/resolvedAt,null)', patch)).toBe(true);
    const at = event({ path: ['_alerts', 'hot'], value: stored });
    expect(changedThing(at)).toMatchObject({ _alerts: { hot: { ...stored, resolvedAt: null } } });
  });

  it('sees unchanged data only through extraFields', () => {
    const extra = { attributes: { room: 'lab' } };
    expect(passes('eq(attributes/room,"lab")', event({}), extra)).toBe(true);
    expect(
      passes('and(eq(attributes/room,"lab"),eq(attributes/counter,43))', event({}), extra),
    ).toBe(true);
  });

  it("resolves Ditto's placeholders", () => {
    const doc = filterDocument(event({ action: 'deleted', path: [], value: undefined }), undefined);
    expect(doc).toMatchObject({
      'topic:action': 'deleted',
      'topic:namespace': 'org.acme',
      'topic:entityName': 'lamp',
      'resource:path': '/',
      'thing:id': 'org.acme:lamp',
      _revision: 7,
    });
    const lifecycle = "and(in(topic:action,'created','deleted'),eq(resource:path,'/'))";
    expect(passes(lifecycle, event({ action: 'deleted', path: [], value: undefined }))).toBe(true);
    expect(passes(lifecycle, event({}))).toBe(false);
  });

  it('refuses malformed parameters naming them', () => {
    expect(() => parseSelection({ filter: 'eq(' })).toThrow(/'filter'/);
    expect(() => parseSelection({ extraFields: 'a(' })).toThrow(/'extraFields'/);
    expect(() => parseSelection({ namespaces: ',' })).toThrow(/'namespaces'/);
  });
});

describe('ditto protocol - commands', () => {
  it('reads a command and its HTTP resource', () => {
    const command = parseCommand({
      topic: 'org.acme/lamp/things/twin/commands/modify',
      path: '/features/light/properties/on',
      value: true,
      headers: { 'Correlation-Id': 'c1', 'response-required': false },
    });
    expect(command).toMatchObject({
      thingId: 'org.acme:lamp',
      action: 'modify',
      path: ['features', 'light', 'properties', 'on'],
      headers: { 'correlation-id': 'c1', 'response-required': 'false' },
    });
    expect(commandUrl(command)).toBe('/api/2/things/org.acme%3Alamp/features/light/properties/on');
    expect(
      commandUrl(
        parseCommand({ topic: 'a/b/things/twin/commands/retrieve', path: '/attributes/x%2F..' }),
      ),
    ).toBe('/api/2/things/a%3Ab/attributes/x%252F..');
  });

  it('refuses what is no command with the error topic of the thing when it is known', () => {
    const failure = (message: unknown) => {
      try {
        parseCommand(message);
      } catch (error) {
        if (error instanceof ProtocolMessageError) return [error.topic, error.body.error];
      }
      throw new Error('no ProtocolMessageError');
    };
    expect(failure({ topic: 'org.acme/lamp/things/twin/commands/retrieve', path: '/x' })).toEqual([
      'org.acme/lamp/things/twin/errors',
      'protocoladapter:unknown.path',
    ]);
    expect(failure({ topic: 'org.acme/lamp/things/twin/commands/retrieve', path: 'x' })).toEqual([
      'org.acme/lamp/things/twin/errors',
      'protocoladapter:unknown.path',
    ]);
    expect(failure({ topic: 'nonsense' })).toEqual([
      '_/_/things/twin/errors',
      'protocoladapter:unknown.topicpath',
    ]);
    for (const path of ['/features/f/properties/../..', '/attributes/.', '/attributes/a/..'])
      expect(
        failure({ topic: 'org.acme/lamp/things/twin/commands/modify', path, value: {} }),
        path,
      ).toEqual(['org.acme/lamp/things/twin/errors', 'protocoladapter:unknown.path']);
    expect(
      failure({ topic: 'org.acme/lamp/things/twin/commands/delete', path: '/', value: 1 }),
    ).toEqual(['org.acme/lamp/things/twin/errors', 'protocoladapter:illegal.adaptable']);
    expect(
      failure({
        topic: 'org.acme/lamp/things/twin/commands/modify',
        path: '/features/f/definition/x',
        value: 1,
      }),
    ).toEqual(['org.acme/lamp/things/twin/errors', 'protocoladapter:unknown.path']);
  });
});

describe('event filter - thing ids named by a filter', () => {
  it('reads eq/in(thingId,…) at the top or in an and; null for any other filter', () => {
    const ids = (filter: string) => {
      const found = thingIdsOf(parseSelection({ filter }).filter);
      return found === null ? null : [...found].sort();
    };
    expect(ids('eq(thingId,"a:b")')).toEqual(['a:b']);
    expect(ids('in(thingId,"a:b","a:c")')).toEqual(['a:b', 'a:c']);
    expect(ids('and(gt(attributes/x,1),in(thingId,"a:c"))')).toEqual(['a:c']);
    expect(ids('or(eq(thingId,"a:b"),eq(attributes/x,1))')).toBeNull();
    expect(ids('not(eq(thingId,"a:b"))')).toBeNull();
    expect(ids('eq(attributes/thingId,"a:b")')).toBeNull();
  });

  it('never refuses an event its filter would pass, with or without extraFields', () => {
    const filters = [
      'eq(thingId,"org.acme:lamp")',
      'in(thingId,"org.acme:other","org.acme:lamp")',
      'and(in(thingId,"org.acme:lamp"),gt(attributes/counter,1))',
      'eq(thingId,"org.acme:other")',
      'and(gt(attributes/counter,1),eq(thingId,"org.acme:other"))',
      'or(eq(thingId,"org.acme:other"),gt(attributes/counter,1))',
    ];
    for (const filter of filters)
      for (const extraFields of [undefined, 'thingId,attributes']) {
        const selection = parseSelection({ filter, extraFields });
        for (const e of [event({}), event({ thingId: 'org.acme:other' })]) {
          const extra = extraFields ? { thingId: 'x:y', attributes: { counter: 2 } } : undefined;
          const passed = passesFilter(selection, e, extra);
          if (passed) expect(mayWant(selection, e.thingId), `${filter} ${e.thingId}`).toBe(true);
          if (!mayWant(selection, e.thingId)) expect(passed).toBe(false);
        }
      }
  });
});
