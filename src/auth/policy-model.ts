// Ditto policies: entries of subjects and resources with granted and revoked permissions.
import { errors } from '../core/error-registry.js';
import { isValidNamespacedId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';

export const PERMISSIONS = ['READ', 'WRITE', 'EXECUTE'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const RESOURCE_TYPES = ['thing', 'policy', 'message'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourcePermissions {
  grant: Permission[];
  revoke: Permission[];
}

export interface PolicyEntry {
  subjects: Record<string, { type: string; expiry?: string }>;
  resources: Record<string, ResourcePermissions>;
  importable?: string;
}

export interface Policy {
  policyId: string;
  entries: Record<string, PolicyEntry>;
}

const LABEL = /^[^\x00-\x1F\x7F-\xFF/]{1,256}$/;
const SUBJECT = /^[^\x00-\x1F\x7F-\xFF:]+:[^\x00-\x1F\x7F-\xFF]*$/;

/** Splits a resource key `thing:/features/x` into its type and path segments. */
export function parseResourceKey(key: string): { type: ResourceType; segments: string[] } {
  const colon = key.indexOf(':');
  const type = key.slice(0, colon) as ResourceType;
  const path = key.slice(colon + 1);
  if (colon < 0 || !RESOURCE_TYPES.includes(type) || !path.startsWith('/')) {
    throw errors.policyInvalid(
      `The resource '${key}' is invalid: use thing:/path, policy:/path or message:/path.`,
    );
  }
  const segments = path === '/' ? [] : path.slice(1).replace(/\/$/, '').split('/');
  if (segments.some((s) => s === ''))
    throw errors.policyInvalid(`The resource '${key}' has an empty path segment.`);
  return { type, segments };
}

export function assertLabel(label: string): void {
  if (!LABEL.test(label))
    throw errors.policyInvalid(`The policy entry label '${label}' is invalid.`);
}

export function assertSubjectId(subjectId: string): void {
  if (!SUBJECT.test(subjectId) || subjectId.length > 256) throw errors.subjectIdInvalid(subjectId);
}

function permissionList(value: JsonValue | undefined, where: string): Permission[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((p) => typeof p === 'string' && PERMISSIONS.includes(p as Permission))
  ) {
    throw errors.policyInvalid(`${where} must be an array of READ, WRITE or EXECUTE.`);
  }
  return [...new Set(value as Permission[])];
}

export function parseSubjects(value: JsonValue, label: string): PolicyEntry['subjects'] {
  if (!isJsonObject(value))
    throw errors.policyInvalid(`The subjects of entry '${label}' must be an object.`);
  const subjects: PolicyEntry['subjects'] = {};
  for (const [id, subject] of Object.entries(value)) {
    assertSubjectId(id);
    const type =
      isJsonObject(subject) && typeof subject.type === 'string' ? subject.type : 'generated';
    if (!isJsonObject(subject))
      throw errors.policyInvalid(`The subject '${id}' must be an object like {"type":"user"}.`);
    subjects[id] = { type };
    if (subject.expiry !== undefined) {
      if (typeof subject.expiry !== 'string' || Number.isNaN(Date.parse(subject.expiry)))
        throw errors.policyInvalid(
          `The expiry of subject '${id}' must be an ISO-8601 time, e.g. "2030-01-01T00:00:00Z".`,
        );
      subjects[id].expiry = subject.expiry;
    }
  }
  return subjects;
}

export function parseResource(value: JsonValue, key: string): ResourcePermissions {
  parseResourceKey(key);
  if (!isJsonObject(value))
    throw errors.policyInvalid(`The resource '${key}' must be an object with grant and revoke.`);
  return {
    grant: permissionList(value.grant, `grant of '${key}'`),
    revoke: permissionList(value.revoke, `revoke of '${key}'`),
  };
}

export function parseResources(value: JsonValue, label: string): PolicyEntry['resources'] {
  if (!isJsonObject(value))
    throw errors.policyInvalid(`The resources of entry '${label}' must be an object.`);
  const resources: PolicyEntry['resources'] = {};
  for (const [key, resource] of Object.entries(value))
    resources[key] = parseResource(resource, key);
  return resources;
}

export function parseEntry(value: JsonValue, label: string): PolicyEntry {
  assertLabel(label);
  if (!isJsonObject(value))
    throw errors.policyInvalid(`The policy entry '${label}' must be an object.`);
  const entry: PolicyEntry = {
    subjects: parseSubjects(value.subjects ?? {}, label),
    resources: parseResources(value.resources ?? {}, label),
  };
  if (typeof value.importable === 'string') entry.importable = value.importable;
  return entry;
}

export function parseEntries(value: JsonValue): Policy['entries'] {
  if (!isJsonObject(value))
    throw errors.policyInvalid('The entries of a policy must be an object of labelled entries.');
  const entries: Policy['entries'] = {};
  for (const [label, entry] of Object.entries(value)) entries[label] = parseEntry(entry, label);
  return entries;
}

/** Validates a policy body for `policyId`; throws a 4xx TwinfoldError. */
export function parsePolicy(body: JsonValue, policyId: string): Policy {
  if (!isValidNamespacedId(policyId)) throw errors.policyIdInvalid(policyId);
  if (!isJsonObject(body))
    throw errors.policyInvalid('A policy must be a JSON object with entries.');
  if (body.policyId !== undefined && body.policyId !== policyId) throw errors.policyIdNotSettable();
  return { policyId, entries: parseEntries(body.entries ?? {}) };
}

/** The JSON form of a policy. */
export function policyToJson(policy: Policy): JsonObject {
  return JSON.parse(JSON.stringify(policy)) as JsonObject;
}

/** The policy Twinfold creates for a thing created without one: its creator may do everything. */
export function defaultPolicy(policyId: string, subjectIds: string[]): Policy {
  const all: Permission[] = ['READ', 'WRITE'];
  return {
    policyId,
    entries: {
      DEFAULT: {
        subjects: Object.fromEntries(subjectIds.map((id) => [id, { type: 'generated' }])),
        resources: {
          'thing:/': { grant: all, revoke: [] },
          'policy:/': { grant: all, revoke: [] },
          'message:/': { grant: all, revoke: [] },
        },
      },
    },
  };
}
