import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json.js';
import { compileCel, jsonKindOf, type CelContext } from './cel-expression.js';
import { caught } from './type-test-support.js';

function context(features: JsonObject, attributes: JsonObject = {}): CelContext {
  return {
    attributes,
    features,
    thingId: 'dc:rack-1',
    previous: { attributes: {}, features: {} },
    now: new Date('2026-01-02T03:04:05.000Z'),
  };
}

const power = (watts: number): JsonObject => ({ power: { properties: { watts } } });

describe('compileCel', () => {
  it('evaluates over the thing and converts the result to JSON', () => {
    const kw = compileCel('features.power.properties.watts / 1000.0', 'derived/x');
    expect(kw.evaluate(context(power(1500)))).toBe(1.5);
    expect(kw.resultType).toBe('dyn');
    expect(compileCel('2 * 3', 'x').evaluate(context({}))).toBe(6);
    expect(compileCel('now', 'x').evaluate(context({}))).toBe('2026-01-02T03:04:05.000Z');
    expect(compileCel('thingId + "!"', 'x').evaluate(context({}))).toBe('dc:rack-1!');
    expect(
      compileCel('{"a": [1, 2], "b": {"c": attributes.rack}}', 'x').evaluate(
        context({}, { rack: 'r1' }),
      ),
    ).toEqual({
      a: [1, 2],
      b: { c: 'r1' },
    });
    expect(compileCel('duration("90s")', 'x').evaluate(context({}))).toBe('90s');
  });

  it('computes a value and a double literal directly, as the interpreter does', () => {
    const W = 'features.power.properties.watts';
    const sources = [
      `${W} / 1000.0`,
      `${W} * 2.5`,
      `1.5 - ${W}`,
      `${W} + 0.5`,
      `${W} / 0.0`,
      `${W} > 250.0`,
      `250.0 <= ${W}`,
      `${W} == 300.0`,
      `${W} != 300.0`,
      `${W} < 0.0`,
      `features["power"].properties.watts >= 300.0`,
      `attributes.limit - 1.0`,
    ];
    const contexts = [
      context(power(300)),
      context(power(0)),
      context(power(-12.75)),
      context({ power: { properties: { watts: 'high' } } }),
      context({ power: { properties: {} } }),
      context({ power: [1] }),
      context({}, { limit: 7 }),
      context({}, { limit: { nested: 1 } }),
    ];
    for (const source of sources) {
      const direct = compileCel(source, 'x');
      // dyn(...) is the same expression, left to the interpreter.
      const interpreted = compileCel(`dyn(${source})`, 'x');
      for (const c of contexts) {
        expect(direct.evaluate(c), source).toStrictEqual(interpreted.evaluate(c));
        expect(direct.holds(c), source).toBe(interpreted.holds(c));
      }
    }
    expect(compileCel(`${W} / 1000.0`, 'x').evaluate(context(power(1500)))).toBe(1.5);
    expect(compileCel(`${W} / 0.0`, 'x').evaluate(context(power(1)))).toBeUndefined();
    expect(compileCel(`${W} > 250.0`, 'x').holds(context(power(251)))).toBe(true);
    expect(compileCel(`${W} > 250.0`, 'x').holds(context(power(250)))).toBe(false);
    expect(compileCel(`${W} > 250.0`, 'x').evaluate(context({}))).toBeUndefined();
  });

  it('mixes int literals with JSON numbers (doubles) in arithmetic', () => {
    expect(compileCel('features.power.properties.watts + 1', 'x').evaluate(context(power(5)))).toBe(
      6,
    );
    expect(compileCel('2 * features.power.properties.watts', 'x').evaluate(context(power(5)))).toBe(
      10,
    );
    expect(
      compileCel('features.power.properties.watts > 250', 'x').holds(context(power(300))),
    ).toBe(true);
  });

  it('yields nothing (never throws) when evaluation fails', () => {
    expect(
      compileCel('features.power.properties.nope / 1.0', 'x').evaluate(context(power(1))),
    ).toBeUndefined();
    expect(
      compileCel('features.power.properties.watts / 0.0', 'x').evaluate(context(power(1))),
    ).toBeUndefined();
    expect(compileCel('1 / 0', 'x').evaluate(context({}))).toBeUndefined();
    expect(compileCel('features.power.properties.watts > 1.0', 'x').holds(context({}))).toBe(false);
    expect(compileCel('attributes.flag', 'x').holds(context({}, { flag: 'yes' }))).toBe(false);
  });

  it('refuses a syntax error quoting the expression and the column', () => {
    const err = caught(() =>
      compileCel('features.power. + 1', 'derived/features~1p~1properties~1x'),
    );
    expect(err.code).toBe('types:type.invalid');
    expect(err.message).toContain("'derived/features~1p~1properties~1x'");
    expect(err.message).toContain("'features.power. + 1' at column 17");
    const lines = caught(() => compileCel('1 +\n  * 2', 'x'));
    expect(lines.message).toContain('line 2, column 3');
  });

  it('refuses a type error and results without a JSON form', () => {
    expect(caught(() => compileCel('"a" + 1', 'x')).message).toContain('\'"a" + 1\' at column 1');
    expect(caught(() => compileCel('unknownVar + 1', 'x')).code).toBe('types:type.invalid');
    expect(caught(() => compileCel('b"ab"', 'x')).message).toContain('no JSON form');
    expect(caught(() => compileCel('1.0' + ' + 1.0'.repeat(1000), 'x')).message).toContain(
      'longer than 4096',
    );
  });

  it('works out the pointers an expression reads', () => {
    const expr = compileCel(
      'features.power.properties.watts + features["cooling"].properties.fan * 1.0 + (has(attributes.rack) ? 1.0 : 0.0)',
      'x',
    );
    expect(expr.inputs).toEqual([
      ['features', 'power', 'properties', 'watts'],
      ['features', 'cooling', 'properties', 'fan'],
      ['attributes', 'rack'],
    ]);
    expect(expr.readsPrevious).toBe(false);
    expect(compileCel('features.all(f, features[f].properties.x > 1.0)', 'x').inputs).toEqual([
      ['features'],
    ]);
    expect(compileCel('attributes.m[attributes.k]', 'x').inputs).toEqual([
      ['attributes', 'm'],
      ['attributes', 'k'],
    ]);
    const delta = compileCel('features.p.properties.w - previous.features.p.properties.w', 'x');
    expect(delta.readsPrevious).toBe(true);
    expect(delta.inputs).toEqual([['features', 'p', 'properties', 'w']]);
    expect(compileCel('now', 'x').inputs).toEqual([]);
  });

  it('knows the JSON kind of static types', () => {
    expect(jsonKindOf(compileCel('1.0 + 2.0', 'x').resultType)).toBe('number');
    expect(jsonKindOf(compileCel('"a" + "b"', 'x').resultType)).toBe('string');
    expect(jsonKindOf(compileCel('1 > 2', 'x').resultType)).toBe('boolean');
    expect(jsonKindOf(compileCel('[1]', 'x').resultType)).toBe('array');
    expect(jsonKindOf(compileCel('{"a": 1}', 'x').resultType)).toBe('object');
    expect(jsonKindOf(compileCel('attributes.x', 'x').resultType)).toBeNull();
  });
});
