// The precedence table, row by row, against the compiled PolicyEnforcer.
import { describe, expect, it } from 'vitest';
import { getAt } from '../core/json-pointer.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import { parsePolicy, parseResourceKey, policyToJson } from './policy-model.js';
import {
  CASE_NOW,
  casePolicy,
  PRECEDENCE_CASES,
  SAMPLE_THING,
  type PrecedenceCase,
} from './policy-precedence.cases.js';

function enforcerFor(c: PrecedenceCase): PolicyEnforcer {
  // Through the parser, as the store would hold it.
  const policy = parsePolicy(policyToJson(casePolicy(c)), 'ns:policy');
  return new PolicyEnforcer(policy, c.subjects, CASE_NOW);
}

describe('policy precedence', () => {
  it.each(PRECEDENCE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const enforcer = enforcerFor(c);
    const { type, segments } = parseResourceKey(c.resource);
    expect({
      has: enforcer.has(type, segments, c.permission),
      unrestricted: enforcer.hasUnrestricted(type, segments, c.permission),
      partial: enforcer.hasPartial(type, segments, c.permission),
    }).toEqual(c.expected);
    if (c.view) {
      const value = getAt(SAMPLE_THING, segments);
      expect(value).toBeDefined();
      expect(enforcer.view(type, segments, value ?? null, c.permission)).toEqual(c.view.expected);
    }
  });

  it('policy precedence - the table has the rows the README promises', () => {
    const readme = PRECEDENCE_CASES.filter((c) => c.readme);
    expect(readme.length).toBeGreaterThanOrEqual(12);
    expect(readme.length).toBeLessThanOrEqual(15);
    expect(new Set(PRECEDENCE_CASES.map((c) => c.name)).size).toBe(PRECEDENCE_CASES.length);
  });
});
