// Property test: the compiled PolicyEnforcer agrees with a straightforward reference of Ditto's rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import type { Catalog } from '../store/catalog.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import {
  IMPORTABLE_TYPES,
  parseResourceKey,
  PERMISSIONS,
  RESOURCE_TYPES,
  type Permission,
  type Policy,
  type PolicyEntry,
  type ResourceType,
} from './policy-model.js';
import { resolvePolicy } from './policy-resolution.js';
import { PolicyStore } from './policy-store.js';

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

function marksOf(
  policy: Pick<Policy, 'entries'> | PolicyEntry[],
  subjects: readonly string[],
  permission: Permission,
  namespace?: string,
): Mark[] {
  const marks: Mark[] = [];
  for (const entry of Array.isArray(policy) ? policy : Object.values(policy.entries)) {
    if (namespace !== undefined && !referenceNamespaceMatch(entry.namespaces ?? [], namespace))
      continue;
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

/** `a.b` matches only `a.b`; `a.b.*` matches what lies below `a.b`, not `a.b` itself. */
function referenceNamespaceMatch(patterns: string[], namespace: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) =>
    p.endsWith('.*')
      ? namespace.length > p.length - 1 && namespace.slice(0, p.length - 1) === p.slice(0, -1)
      : p === namespace,
  );
}

// ---------------------------------------------------------------------------------------------
// The reference of imports, written from Ditto's documentation: a policy enforces its own entries
// and, of each policy it imports that exists, the entries marked implicit and those marked
// explicit that the import lists (never: none); the imported policy contributes its own entries
// and, transitively, those of its imports whose ids the import names in transitiveImports (each
// id once along a chain).

type World = Record<string, Policy>;

function referenceEffective(world: World, policy: Policy): PolicyEntry[] {
  const result = [...Object.values(policy.entries)];
  for (const [id, imp] of Object.entries(policy.imports))
    result.push(...referenceImported(world, id, imp, new Set()));
  return result;
}

function referenceImported(
  world: World,
  id: string,
  imp: Policy['imports'][string],
  visited: Set<string>,
): PolicyEntry[] {
  const imported = world[id];
  if (!imported) return [];
  const listed = imp.entries ?? [];
  const candidates: [string, PolicyEntry][] = Object.entries(imported.entries);
  const wanted = (imp.transitiveImports ?? []).filter((t) => !visited.has(t));
  for (const [innerId, innerImp] of Object.entries(imported.imports)) {
    if (!wanted.includes(innerId)) continue;
    const deeper = new Set([...visited, ...wanted]);
    // Entries reached transitively keep their importable mark under their prefixed label.
    for (const entry of referenceImported(world, innerId, innerImp, deeper))
      candidates.push([`transitive:${innerId}`, entry]);
  }
  return candidates
    .filter(([label, entry]) => {
      const importable = entry.importable ?? 'implicit';
      if (importable === 'implicit') return true;
      return (
        importable === 'explicit' && !label.startsWith('transitive:') && listed.includes(label)
      );
    })
    .map(([, entry]) => entry);
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

const POLICY_IDS = ['ns:p', 'ns:i1', 'ns:i2', 'ns:i3'];
const LABELS = ['E0', 'E1', 'E2', 'E3'];
const NAMESPACES = ['ns', 'other', 'ns.sub'];

const importingEntryArb = (expiries: string[]): fc.Arbitrary<PolicyEntry> =>
  fc
    .record({
      subjects: fc.dictionary(
        fc.constantFrom(...SUBJECTS),
        fc.record({
          type: fc.constant('test'),
          expiry: fc.option(fc.constantFrom(...expiries), { nil: undefined }),
        }),
        { minKeys: 1, maxKeys: 3 },
      ),
      resources: fc.dictionary(
        resourceKeyArb,
        fc.record({ grant: permissionSet, revoke: permissionSet }),
        { maxKeys: 5 },
      ),
      importable: fc.option(fc.constantFrom(...IMPORTABLE_TYPES), { nil: undefined }),
      namespaces: fc.option(fc.subarray(['ns', 'other', 'ns.*'], { minLength: 1 }), {
        nil: undefined,
      }),
    })
    .map((e) => {
      const entry: PolicyEntry = { subjects: e.subjects, resources: e.resources };
      if (e.importable) entry.importable = e.importable;
      if (e.namespaces) entry.namespaces = e.namespaces;
      return entry;
    });

/** Random policies under the ids of {@link POLICY_IDS} (some missing), importing one another. */
const worldArb = (expiries: string[]): fc.Arbitrary<World> =>
  fc
    .tuple(
      ...POLICY_IDS.map((id) =>
        fc.record({
          exists: id === 'ns:p' ? fc.constant(true) : fc.boolean(),
          entries: fc.array(importingEntryArb(expiries), { minLength: 1, maxLength: 3 }),
          imports: fc.dictionary(
            fc.constantFrom(...POLICY_IDS.filter((other) => other !== id)),
            fc.record(
              {
                entries: fc.subarray(LABELS),
                transitiveImports: fc.subarray(
                  POLICY_IDS.filter((other) => other !== id),
                  {
                    minLength: 1,
                  },
                ),
              },
              { requiredKeys: [] },
            ),
            { maxKeys: 3 },
          ),
        }),
      ),
    )
    .map((policies) => {
      const world: World = {};
      policies.forEach((p, i) => {
        if (!p.exists) return;
        const policyId = POLICY_IDS[i];
        world[policyId] = {
          policyId,
          imports: p.imports,
          entries: Object.fromEntries(p.entries.map((e, j) => [LABELS[j], e])),
        };
      });
      return world;
    });
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
const IMPORT_RUNS = 3000;

/** A catalog that keeps nothing: the store's memory is what is tested. */
const NO_CATALOG = {
  listPolicies: async () => [],
  putPolicy: async () => undefined,
} as unknown as Catalog;
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

describe('PolicyEnforcer with imports against the reference', () => {
  const compare = (
    enforcer: PolicyEnforcer,
    entries: PolicyEntry[],
    requester: string[],
    namespace: string,
    targets: { type: ResourceType; segments: string[] }[],
  ) => {
    for (const permission of PERMISSIONS) {
      const reference = new Reference(marksOf(entries, requester, permission, namespace));
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
  };

  it('PolicyEnforcer - random importing policies, resolved and compiled, agree with the reference', () => {
    let imported = 0;
    fc.assert(
      fc.property(
        worldArb(['2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z']),
        requesterArb,
        fc.constantFrom(...NAMESPACES),
        fc.array(targetArb, { minLength: 1, maxLength: 6 }),
        (world, requester, namespace, targets) => {
          const policy = world['ns:p'];
          const resolved = resolvePolicy(policy, (id) => world[id] ?? null);
          const effective = referenceEffective(world, policy);
          if (effective.length > Object.keys(policy.entries).length) imported++;
          const enforcer = new PolicyEnforcer(resolved.values(), requester, NOW, namespace);
          compare(enforcer, effective, requester, namespace, targets);
        },
      ),
      { seed: SEED, numRuns: IMPORT_RUNS },
    );
    // The generators do produce policies that import something.
    expect(imported).toBeGreaterThan(IMPORT_RUNS / 4);
  });

  it('PolicyStore - after random changes to imported policies, cached enforcers agree with the reference', async () => {
    const ownerEntry: PolicyEntry = {
      subjects: { 'user:owner': { type: 'test' } },
      resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
      importable: 'never',
    };
    const withOwner = (policy: Policy): Policy => ({
      ...policy,
      entries: { ...policy.entries, OWNER: ownerEntry },
    });
    await fc.assert(
      fc.asyncProperty(
        worldArb(['2030-01-01T00:00:00Z']),
        fc.array(
          fc.tuple(
            fc.constantFrom(...POLICY_IDS.slice(1)),
            fc.option(importingEntryArb(['2030-01-01T00:00:00Z']), { nil: undefined }),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        requesterArb,
        fc.constantFrom(...NAMESPACES),
        fc.array(targetArb, { minLength: 1, maxLength: 4 }),
        async (initial, changes, requester, namespace, targets) => {
          const store = new PolicyStore(NO_CATALOG, () => NOW);
          const world: World = {};
          for (const [id, policy] of Object.entries(initial)) {
            world[id] = withOwner(policy);
            await store.put(world[id]);
          }
          const check = () => {
            const enforcer = store.enforcer('ns:p', requester, namespace);
            expect(enforcer).not.toBeNull();
            const effective = referenceEffective(world, world['ns:p']);
            compare(enforcer as PolicyEnforcer, effective, requester, namespace, targets);
          };
          check();
          for (const [id, entry] of changes) {
            // Replace (or create) an imported policy's E0 entry, or drop the entry.
            const current = world[id] ?? withOwner({ policyId: id, imports: {}, entries: {} });
            const entries = { ...current.entries };
            if (entry) entries.E0 = entry;
            else delete entries.E0;
            world[id] = { ...current, entries };
            await store.put(world[id]);
            check();
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
