import { describe, expect, it } from 'vitest';
import { readTypeDocument } from './type-document.js';
import { caught } from './type-test-support.js';

const W = 'features/power/properties/avg5m';
const window = (spec: Record<string, unknown>): unknown => ({
  windows: { [W]: { of: 'features/power/properties/watts', op: 'avg', window: '5m', ...spec } },
});

/** The `where` and detail of the error the document gets. */
function refusal(body: unknown): string {
  const err = caught(() => readTypeDocument(body));
  expect([err.status, err.code]).toEqual([400, 'types:type.invalid']);
  return err.message;
}

describe('readTypeDocument', () => {
  it('reads every part and fills in defaults', () => {
    const doc = readTypeDocument({
      description: 'a rack',
      derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
      windows: {
        [W]: { of: 'features/power/properties/watts', op: 'avg', window: '5m', lateness: '30s' },
        'features/power/properties/last10': {
          of: 'features/power/properties/watts',
          op: 'max',
          samples: 10,
        },
        'features/power/properties/smooth': {
          of: 'features/power/properties/watts',
          op: 'ewma',
          halfLife: '1m',
        },
      },
      rollups: {
        'features/power/properties/total': {
          relation: 'partOf',
          from: 'children',
          of: 'features/power/properties/watts',
          op: 'sum',
        },
      },
      assessments: { overload: { when: 'features.power.properties.watts > 250.0', for: '1m' } },
    });
    expect(doc.derived.map((d) => d.pointer)).toEqual(['features/power/properties/kw']);
    expect(doc.windows.map((w) => w.spec)).toEqual([
      {
        of: 'features/power/properties/watts',
        op: 'avg',
        span: 300_000,
        samples: null,
        lateness: 30_000,
        halfLife: null,
      },
      {
        of: 'features/power/properties/watts',
        op: 'max',
        span: null,
        samples: 10,
        lateness: 0,
        halfLife: null,
      },
      {
        of: 'features/power/properties/watts',
        op: 'ewma',
        span: null,
        samples: null,
        lateness: 0,
        halfLife: 60_000,
      },
    ]);
    expect(doc.rollups[0].spec).toEqual({
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'sum',
      depth: 1,
    });
    expect(doc.assessments[0]).toMatchObject({
      name: 'overload',
      holdFor: 60_000,
      severity: 'warning',
      clear: null,
    });
    expect(doc.normalised.assessments).toEqual({
      overload: { when: 'features.power.properties.watts > 250.0', for: '1m', severity: 'warning' },
    });
    expect(
      (doc.normalised.rollups as Record<string, { depth: number }>)[
        'features/power/properties/total'
      ].depth,
    ).toBe(1);
  });

  it('refuses unknown members at every level', () => {
    expect(refusal({ behaviour: {} })).toContain("at 'behaviour': unknown member");
    expect(refusal(window({ extra: 1 }))).toContain(
      `at 'windows/features~1power~1properties~1avg5m/extra'`,
    );
    expect(refusal({ assessments: { a: { when: 'true', level: 'x' } } })).toContain(
      "at 'assessments/a/level'",
    );
    expect(
      refusal({
        rollups: {
          'attributes/t': {
            relation: 'r',
            from: 'children',
            of: 'attributes/x',
            op: 'sum',
            weight: 1,
          },
        },
      }),
    ).toContain("at 'rollups/attributes~1t/weight'");
    expect(refusal([])).toContain('a type is a JSON object');
    expect(refusal({ derived: [] })).toContain("at 'derived': must be an object");
  });

  it('refuses bad pointers', () => {
    expect(refusal({ derived: { 'features/power/kw': '1.0' } })).toContain(
      "at 'derived/features~1power~1kw'",
    );
    expect(refusal({ derived: { thingId: '1.0' } })).toContain("at 'derived/thingId'");
    expect(refusal(window({ of: 'features/power' }))).toContain(
      `at 'windows/features~1power~1properties~1avg5m/of'`,
    );
    expect(refusal(window({ of: 5 }))).toContain('/of');
  });

  it('refuses unknown ops naming the op member', () => {
    expect(refusal(window({ op: 'median' }))).toContain(
      'at \'windows/features~1power~1properties~1avg5m/op\': unknown window op "median"',
    );
    expect(
      refusal({
        rollups: {
          'attributes/t': { relation: 'r', from: 'children', of: 'attributes/x', op: 'rate' },
        },
      }),
    ).toContain('at \'rollups/attributes~1t/op\': unknown rollup op "rate"');
  });

  it('refuses bad durations and window shapes', () => {
    for (const bad of ['5', '5 m', '0s', '-1m', 5, '1w']) {
      expect(refusal(window({ window: bad }))).toContain(
        `avg5m/window': ${JSON.stringify(bad)} is not a positive duration`,
      );
    }
    expect(refusal(window({ lateness: 'soon' }))).toContain('avg5m/lateness');
    expect(readTypeDocument(window({ lateness: '0s' })).windows[0].spec.lateness).toBe(0);
    expect(refusal(window({ samples: 10 }))).toContain("exactly one of 'window'");
    expect(refusal(window({ window: undefined }))).toContain("exactly one of 'window'");
    expect(refusal(window({ window: undefined, samples: 0 }))).toContain('avg5m/samples');
    expect(refusal(window({ window: undefined, samples: 2.5 }))).toContain('avg5m/samples');
    expect(refusal(window({ op: 'rate', window: undefined, samples: 1 }))).toContain('from 2');
    expect(refusal(window({ halfLife: '1m' }))).toContain("only ewma takes 'halfLife'");
    expect(refusal(window({ op: 'ewma' }))).toContain("ewma takes 'halfLife', not a window");
    expect(refusal(window({ op: 'ewma', window: undefined }))).toContain("ewma needs a 'halfLife'");
    expect(refusal({ assessments: { a: { when: 'true', for: '0s' } } })).toContain(
      "at 'assessments/a/for'",
    );
  });

  it('refuses bad rollups and assessments', () => {
    const rollup = (spec: Record<string, unknown>): unknown => ({
      rollups: {
        'attributes/t': {
          relation: 'partOf',
          from: 'children',
          of: 'attributes/x',
          op: 'sum',
          ...spec,
        },
      },
    });
    expect(refusal(rollup({ from: 'siblings' }))).toContain("at 'rollups/attributes~1t/from'");
    expect(refusal(rollup({ relation: '' }))).toContain("at 'rollups/attributes~1t/relation'");
    expect(refusal(rollup({ depth: 0 }))).toContain("at 'rollups/attributes~1t/depth'");
    expect(refusal(rollup({ depth: 11 }))).toContain("at 'rollups/attributes~1t/depth'");
    expect(refusal({ assessments: { a: { when: 'true', severity: '' } } })).toContain(
      "at 'assessments/a/severity'",
    );
    expect(refusal({ assessments: { a: { clear: 'true' } } })).toContain("at 'assessments/a/when'");
    expect(refusal({ assessments: { a: { when: '1 + 2' } } })).toContain(
      'is of type int, not bool',
    );
    expect(refusal({ assessments: { a: { when: 'attributes.x >' } } })).toContain(
      "at 'assessments/a/when': 'attributes.x >' at column",
    );
    expect(refusal({ derived: { 'attributes/x': '' } })).toContain("at 'derived/attributes~1x'");
    expect(refusal({ derived: { 'attributes/x': 'attributes.(' } })).toContain(
      "'attributes.(' at column 12",
    );
  });
});
