// The policy precedence table: one row per rule of Ditto's grant/revoke evaluation, shared by tests and docs.
import type { JsonObject, JsonValue } from '../core/json.js';
import type { Permission, Policy, PolicyEntry } from './policy-model.js';

/** One policy entry in compact form: its subjects and, per resource key, what it grants and revokes. */
export interface CaseEntry {
  subjects: string[];
  /** Subjects of this entry whose expiry lies in the past (at {@link CASE_NOW}). */
  expired?: string[];
  /** Subjects of this entry whose expiry lies in the future. */
  expiring?: string[];
  grant?: Record<string, Permission[]>;
  revoke?: Record<string, Permission[]>;
}

export interface PrecedenceCase {
  name: string;
  entries: CaseEntry[];
  /** The requester's subjects. */
  subjects: string[];
  /** The resource key checked, e.g. `thing:/features/x`. */
  resource: string;
  permission: Permission;
  expected: { has: boolean; unrestricted: boolean; partial: boolean };
  /**
   * What the requester sees of {@link SAMPLE_THING}'s value at `resource` (filtered by
   * `permission`); undefined = nothing.
   */
  view?: { expected: JsonValue | undefined };
  /** Shown in the README table. */
  readme?: boolean;
}

/** The clock the cases are evaluated at (expired subjects expired before it). */
export const CASE_NOW = Date.parse('2024-06-01T12:00:00Z');
const PAST = '2024-01-01T00:00:00Z';
const FUTURE = '2030-01-01T00:00:00Z';

export const SAMPLE_THING: JsonObject = {
  thingId: 'ns:lamp',
  attributes: { location: 'hall', serial: 'X1' },
  features: {
    x: { properties: { on: true, level: 3 } },
    xy: { properties: { on: false } },
    secret: { properties: { pin: 1234 } },
  },
};

const ALICE = 'user:alice';
const BOB = 'user:bob';
const OPS = 'group:ops';

/** The full policy of a case. */
export function casePolicy(c: PrecedenceCase): Policy {
  const entries: Record<string, PolicyEntry> = {};
  c.entries.forEach((entry, i) => {
    const subjects: PolicyEntry['subjects'] = {};
    for (const id of entry.subjects) subjects[id] = { type: 'test' };
    for (const id of entry.expired ?? []) subjects[id] = { type: 'test', expiry: PAST };
    for (const id of entry.expiring ?? []) subjects[id] = { type: 'test', expiry: FUTURE };
    const resources: PolicyEntry['resources'] = {};
    const keys = new Set([...Object.keys(entry.grant ?? {}), ...Object.keys(entry.revoke ?? {})]);
    for (const key of keys) {
      resources[key] = { grant: entry.grant?.[key] ?? [], revoke: entry.revoke?.[key] ?? [] };
    }
    entries[`E${i + 1}`] = { subjects, resources };
  });
  return { policyId: 'ns:policy', imports: {}, entries };
}

const all = (v: boolean) => ({ has: v, unrestricted: v, partial: v });

export const PRECEDENCE_CASES: PrecedenceCase[] = [
  {
    name: 'grant at root applies to every path below',
    entries: [{ subjects: [ALICE], grant: { 'thing:/': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/features/x',
    permission: 'READ',
    expected: all(true),
    view: { expected: { properties: { on: true, level: 3 } } },
    readme: true,
  },
  {
    name: 'revoke deeper hides that subtree; the root is readable but not unrestricted',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'] },
        revoke: { 'thing:/features/secret': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: { has: true, unrestricted: false, partial: true },
    view: {
      expected: {
        thingId: 'ns:lamp',
        attributes: { location: 'hall', serial: 'X1' },
        features: {
          x: { properties: { on: true, level: 3 } },
          xy: { properties: { on: false } },
        },
      },
    },
    readme: true,
  },
  {
    name: 'revoke deeper denies at and below the revoked path',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'] },
        revoke: { 'thing:/features/secret': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features/secret/properties/pin',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
  },
  {
    name: 'an object whose every leaf is revoked disappears from the view',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'] },
        revoke: { 'thing:/features/secret/properties/pin': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'READ',
    expected: { has: true, unrestricted: false, partial: true },
    view: {
      expected: { x: { properties: { on: true, level: 3 } }, xy: { properties: { on: false } } },
    },
  },
  {
    name: 're-grant deeper still overrides the revoke above it',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'], 'thing:/features/x/properties/on': ['READ'] },
        revoke: { 'thing:/features': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features/x/properties/on',
    permission: 'READ',
    expected: all(true),
    view: { expected: true },
    readme: true,
  },
  {
    name: 're-grant deeper still: the revoked level is only partially readable',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'], 'thing:/features/x/properties/on': ['READ'] },
        revoke: { 'thing:/features': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: { x: { properties: { on: true } } } },
  },
  {
    name: 'revoke and grant at the same depth in one entry: revoke wins',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ'], 'thing:/features/x': ['READ'] },
        revoke: { 'thing:/features/x': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features/x/properties/on',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
    readme: true,
  },
  {
    name: 'revoke and grant at the same depth in two entries: revoke wins',
    entries: [
      { subjects: [ALICE], grant: { 'thing:/features/x': ['WRITE'] } },
      { subjects: [ALICE], revoke: { 'thing:/features/x': ['WRITE'] } },
    ],
    subjects: [ALICE],
    resource: 'thing:/features/x',
    permission: 'WRITE',
    expected: all(false),
    readme: true,
  },
  {
    name: 'a deeper grant counts for partial above even when revoked at its own depth',
    entries: [
      { subjects: [ALICE], grant: { 'thing:/features/x': ['READ'] } },
      { subjects: [ALICE], revoke: { 'thing:/features/x': ['READ'] } },
    ],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: undefined },
  },
  {
    name: 'a deeper revoke from one entry beats a shallower grant from another',
    entries: [
      { subjects: [ALICE], grant: { 'thing:/': ['READ'] } },
      { subjects: [ALICE], revoke: { 'thing:/features/x': ['READ'] } },
    ],
    subjects: [ALICE],
    resource: 'thing:/features/x/properties',
    permission: 'READ',
    expected: all(false),
  },
  {
    name: 'revoke at root, grant deeper: only the granted part',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/attributes': ['READ'] },
        revoke: { 'thing:/': ['READ'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: { attributes: { location: 'hall', serial: 'X1' } } },
  },
  {
    name: 'a grant to another subject only does not apply',
    entries: [{ subjects: [BOB], grant: { 'thing:/': ['READ', 'WRITE'] } }],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
    readme: true,
  },
  {
    name: 'two subjects of one requester are pooled: grant from one, grant from the other',
    entries: [
      { subjects: [ALICE], grant: { 'thing:/': ['READ'] } },
      { subjects: [OPS], grant: { 'thing:/': ['WRITE'] } },
    ],
    subjects: [ALICE, OPS],
    resource: 'thing:/features/x',
    permission: 'WRITE',
    expected: all(true),
    readme: true,
  },
  {
    name: "two subjects of one requester are pooled: one subject's revoke beats the other's grant",
    entries: [
      { subjects: [ALICE], grant: { 'thing:/': ['READ'] } },
      { subjects: [OPS], revoke: { 'thing:/features/secret': ['READ'] } },
    ],
    subjects: [ALICE, OPS],
    resource: 'thing:/features/secret',
    permission: 'READ',
    expected: all(false),
  },
  {
    name: 'sibling paths: /features/x is not above /features/xy',
    entries: [{ subjects: [ALICE], grant: { 'thing:/features/x': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/features/xy',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
    readme: true,
  },
  {
    name: 'sibling paths: the view of the parent has x but not xy',
    entries: [{ subjects: [ALICE], grant: { 'thing:/features/x': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: { x: { properties: { on: true, level: 3 } } } },
  },
  {
    name: 'WRITE unrestricted is denied by a deep revoke',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ', 'WRITE'] },
        revoke: { 'thing:/features/x/properties/level': ['WRITE'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'WRITE',
    expected: { has: true, unrestricted: false, partial: true },
    readme: true,
  },
  {
    name: 'a revoke of WRITE does not restrict READ',
    entries: [
      {
        subjects: [ALICE],
        grant: { 'thing:/': ['READ', 'WRITE'] },
        revoke: { 'thing:/features/x/properties/level': ['WRITE'] },
      },
    ],
    subjects: [ALICE],
    resource: 'thing:/features',
    permission: 'READ',
    expected: all(true),
  },
  {
    name: 'WRITE does not imply READ',
    entries: [{ subjects: [ALICE], grant: { 'thing:/': ['WRITE'] } }],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
  },
  {
    name: 'READ partial is allowed by a deep grant only',
    entries: [{ subjects: [ALICE], grant: { 'thing:/attributes/location': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: { attributes: { location: 'hall' } } },
    readme: true,
  },
  {
    name: 'a leaf value granted alone gives a view with just that leaf',
    entries: [{ subjects: [ALICE], grant: { 'thing:/features/x/properties/on': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/features/x',
    permission: 'READ',
    expected: { has: false, unrestricted: false, partial: true },
    view: { expected: { properties: { on: true } } },
    readme: true,
  },
  {
    name: 'an expired subject is ignored',
    entries: [{ subjects: [], expired: [ALICE], grant: { 'thing:/': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'READ',
    expected: all(false),
    view: { expected: undefined },
    readme: true,
  },
  {
    name: 'a subject expiring in the future applies',
    entries: [{ subjects: [], expiring: [ALICE], grant: { 'thing:/': ['READ'] } }],
    subjects: [ALICE],
    resource: 'thing:/attributes',
    permission: 'READ',
    expected: all(true),
    view: { expected: { location: 'hall', serial: 'X1' } },
  },
  {
    name: 'policy:/ is independent of thing:/',
    entries: [{ subjects: [ALICE], grant: { 'thing:/': ['READ', 'WRITE'] } }],
    subjects: [ALICE],
    resource: 'policy:/',
    permission: 'WRITE',
    expected: all(false),
    readme: true,
  },
  {
    name: 'message:/ is independent of thing:/',
    entries: [{ subjects: [ALICE], grant: { 'message:/': ['WRITE'] } }],
    subjects: [ALICE],
    resource: 'message:/features/lamp/inbox',
    permission: 'WRITE',
    expected: all(true),
  },
  {
    name: 'thing:/ is independent of message:/',
    entries: [{ subjects: [ALICE], grant: { 'message:/': ['WRITE'] } }],
    subjects: [ALICE],
    resource: 'thing:/',
    permission: 'WRITE',
    expected: all(false),
  },
];
