// Property test: the compiled PolicyEnforcer agrees with a straightforward reference of Ditto's rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import {
  parseResourceKey,
  PERMISSIONS,
  RESOURCE_TYPES,
  type Permission,
  type Policy,
  type PolicyEntry,
  type ResourceType,
} from './policy-model.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const SUBJECTS = ['user:a', 'user:b', 'group:g', 'user:c'];
/** Few, overlapping segment names (`a` is a prefix of `ab` as a string, not as a path). */
const SEGMENTS = ['a', 'b', 'ab'];
const SEED = 20_240_601;

// ---------------------------------------------------------------------------------------------
// The reference: for one permission, every (path, grant?, revoke?) mark of the requester's
// applicable entries, decided by the deepest mark on the path with revoke winning ties.

interface Mark {
  type: ResourceType;
  segments: string[];
  grant: boolean;
  revoke: boolean;
}

function marksOf(policy: Policy, subjects: readonly string[], permission: Permission): Mark[] {
  const marks: Mark[] = [];
  for (const entry of Object.values(policy.entries)) {
    const applies = Object.entries(entry.subjects).some(
      ([id, s]) => subjects.includes(id) && (s.expiry === undefined || Date.parse(s.expiry) > NOW),
    );
    if (!applies) continue;
    for (const [key, resource] of Object.entries(entry.resources)) {
      const { type, segments } = parseResourceKey(key);
      marks.push({
        type,
        segments,
        grant: resource.grant.includes(permission),
        revoke: resource.revoke.includes(permission),
      });
    }
  }
  return marks;
}

const isPrefix = (prefix: readonly string[], path: readonly string[]) =>
  prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
const isStrictlyBelow = (path: readonly string[], target: readonly string[]) =>
  path.length > target.length && isPrefix(target, path);

class Reference {
  constructor(private readonly marks: Mark[]) {}

  has(type: ResourceType, path: readonly string[]): boolean {
    let depth = -1;
    let decision = false;
    for (const m of this.marks) {
      if (m.type !== type || !isPrefix(m.segments, path) || (!m.grant && !m.revoke)) continue;
      const d = m.segments.length;
      if (d > depth) {
        depth = d;
        decision = m.grant && !m.revoke;
      } else if (d === depth) {
        decision = decision && !m.revoke;
        if (m.revoke) decision = false;
      }
    }
    return decision;
  }

  unrestricted(type: ResourceType, path: readonly string[]): boolean {
    return (
      this.has(type, path) &&
      !this.marks.some((m) => m.type === type && m.revoke && isStrictlyBelow(m.segments, path))
    );
  }

  partial(type: ResourceType, path: readonly string[]): boolean {
    return (
      this.has(type, path) ||
      this.marks.some((m) => m.type === type && m.grant && isStrictlyBelow(m.segments, path))
    );
  }

  /**
   * Ditto's buildJsonView: only accessible leaves (scalars, arrays, null, `{}`), with the objects
   * leading to them. The value at the target itself is `{}` when readable but emptied.
   */
  view(
    type: ResourceType,
    path: readonly string[],
    value: JsonValue,
    isStart = true,
  ): JsonValue | undefined {
    if (!isJsonObject(value) || Object.keys(value).length === 0)
      return this.has(type, path) ? value : undefined;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const seen = this.view(type, [...path, key], child, false);
      if (seen !== undefined) out[key] = seen;
    }
    if (Object.keys(out).length > 0) return out;
    return isStart && this.has(type, path) ? {} : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

const permissionSet = fc.subarray([...PERMISSIONS]);
const pathArb = (max: number) => fc.array(fc.constantFrom(...SEGMENTS), { maxLength: max });
/** Mostly `thing`, so that entries overlap; `policy` and `message` keep the types apart. */
const typeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<ResourceType>('thing') },
  fc.constantFrom<ResourceType>(...RESOURCE_TYPES),
);
const resourceKeyArb = fc
  .tuple(typeArb, pathArb(3))
  .map(([type, segments]) => `${type}:/${segments.join('/')}`);

const subjectArb = fc.record({
  type: fc.constant('test'),
  expiry: fc.option(fc.constantFrom('2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z'), {
    nil: undefined,
  }),
});

const entryArb: fc.Arbitrary<PolicyEntry> = fc.record({
  subjects: fc.dictionary(fc.constantFrom(...SUBJECTS), subjectArb, { minKeys: 1, maxKeys: 3 }),
  resources: fc.dictionary(
    resourceKeyArb,
    fc.record({ grant: permissionSet, revoke: permissionSet }),
    { maxKeys: 6 },
  ),
});

const policyArb: fc.Arbitrary<Policy> = fc
  .array(entryArb, { minLength: 1, maxLength: 4 })
  .map((entries) => ({
    policyId: 'ns:p',
    imports: {},
    entries: Object.fromEntries(entries.map((e, i) => [`E${i}`, e])),
  }));

const requesterArb = fc.subarray(SUBJECTS);
const targetArb = fc.record({ type: typeArb, segments: pathArb(4) });
/** Views are taken near the root, so that the value's keys meet the policy's paths. */
const viewTargetArb = fc.record({ type: typeArb, segments: pathArb(1) });

const { json } = fc.letrec<{ json: JsonValue; object: JsonObject }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean()),
    fc.array(fc.integer(), { maxLength: 2 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.constantFrom(...SEGMENTS), tie('json'), { maxKeys: 3 }),
}));

// ---------------------------------------------------------------------------------------------

const CHECK_RUNS = 5000;
const VIEW_RUNS = 10_000;

describe('PolicyEnforcer against the reference', () => {
  it('PolicyEnforcer - has, hasUnrestricted and hasPartial agree with the reference', () => {
    fc.assert(
      fc.property(
        policyArb,
        requesterArb,
        fc.array(targetArb, { minLength: 1, maxLength: 8 }),
        (policy, requester, targets) => {
          const enforcer = new PolicyEnforcer(policy, requester, NOW);
          for (const permission of PERMISSIONS) {
            const reference = new Reference(marksOf(policy, requester, permission));
            for (const { type, segments } of targets) {
              expect({
                has: enforcer.has(type, segments, permission),
                unrestricted: enforcer.hasUnrestricted(type, segments, permission),
                partial: enforcer.hasPartial(type, segments, permission),
              }).toEqual({
                has: reference.has(type, segments),
                unrestricted: reference.unrestricted(type, segments),
                partial: reference.partial(type, segments),
              });
            }
          }
        },
      ),
      { seed: SEED, numRuns: CHECK_RUNS },
    );
  });

  it('PolicyEnforcer - view keeps exactly the leaves the reference allows', () => {
    fc.assert(
      fc.property(
        policyArb,
        requesterArb,
        viewTargetArb,
        fc.constantFrom<Permission>(...PERMISSIONS),
        json,
        (policy, requester, { type, segments }, permission, value) => {
          const enforcer = new PolicyEnforcer(policy, requester, NOW);
          const reference = new Reference(marksOf(policy, requester, permission));
          expect(enforcer.view(type, segments, value, permission)).toEqual(
            reference.view(type, segments, value),
          );
        },
      ),
      { seed: SEED, numRuns: VIEW_RUNS },
    );
  });

  it('PolicyEnforcer - a partially readable target has a non-empty reference view somewhere', () => {
    // Sanity check of the generators: the interesting cases (partial but not full) do occur.
    let partialOnly = 0;
    let unrestrictedDenied = 0;
    fc.assert(
      fc.property(policyArb, requesterArb, targetArb, (policy, requester, { type, segments }) => {
        const reference = new Reference(marksOf(policy, requester, 'READ'));
        if (reference.partial(type, segments) && !reference.has(type, segments)) partialOnly++;
        if (reference.has(type, segments) && !reference.unrestricted(type, segments))
          unrestrictedDenied++;
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(partialOnly).toBeGreaterThan(20);
    expect(unrestrictedDenied).toBeGreaterThan(20);
  });
});
