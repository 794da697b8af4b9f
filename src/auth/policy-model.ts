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

export const IMPORTABLE_TYPES = ['implicit', 'explicit', 'never'] as const;
export type ImportableType = (typeof IMPORTABLE_TYPES)[number];
export const ALLOWED_ADDITIONS = ['subjects', 'resources', 'namespaces'] as const;
export type AllowedAddition = (typeof ALLOWED_ADDITIONS)[number];

/** Ditto's subject announcement settings (delivered by `subject-announcements.ts`). */
export interface SubjectAnnouncement {
  beforeExpiry?: string;
  whenDeleted?: boolean;
  requestedAcks?: { labels: string[]; timeout?: string };
  randomizationInterval?: string;
}

export interface PolicySubject {
  type: string;
  expiry?: string;
  announcement?: SubjectAnnouncement;
}

/** A link to another entry: a local one (`entry`) or one of an import (`import` and `entry`). */
export interface EntryReference {
  import?: string;
  entry: string;
}

export interface PolicyEntry {
  subjects: Record<string, PolicySubject>;
  resources: Record<string, ResourcePermissions>;
  /** Thing namespaces the entry applies to (`com.acme`, `com.acme.*`); absent: all. */
  namespaces?: string[];
  importable?: ImportableType;
  allowedAdditions?: AllowedAddition[];
  references?: EntryReference[];
}

/** One import: which `explicit` entries of the imported policy to take, and which of its imports. */
export interface PolicyImport {
  entries?: string[];
  transitiveImports?: string[];
}

export interface Policy {
  policyId: string;
  /** By imported policy id. */
  imports: Record<string, PolicyImport>;
  entries: Record<string, PolicyEntry>;
}

/** Ditto's `ditto.limits.policies.imports-limit`. */
export const MAX_IMPORTS = 10;

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
  // As Ditto: these prefixes are kept for the labels of imported entries in the resolved view.
  if (label.startsWith('imported') || label.startsWith('nsimported'))
    throw errors.labelInvalid(label);
}

/** The label of an imported entry in the resolved view, as Ditto writes it. */
export function importedLabel(policyId: string, label: string): string {
  return `imported-${policyId}-${label}`;
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
    if (subject.announcement !== undefined)
      subjects[id].announcement = parseAnnouncement(subject.announcement, id);
  }
  return subjects;
}

const DURATION = /^[1-9]\d{0,8}(ms|[hms])$/;

function parseAnnouncement(value: JsonValue, id: string): SubjectAnnouncement {
  const where = `The announcement of subject '${id}'`;
  if (!isJsonObject(value)) throw errors.policyInvalid(`${where} must be an object.`);
  const result: SubjectAnnouncement = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'beforeExpiry' || key === 'randomizationInterval') {
      if (typeof field !== 'string' || !DURATION.test(field))
        throw errors.policyInvalid(
          `${where}: ${key} must be a positive duration like "500ms", "30s", "5m" or "1h".`,
        );
      result[key] = field;
    } else if (key === 'whenDeleted') {
      if (typeof field !== 'boolean')
        throw errors.policyInvalid(`${where}: whenDeleted must be true or false.`);
      result.whenDeleted = field;
    } else if (key === 'requestedAcks') {
      if (
        !isJsonObject(field) ||
        !Array.isArray(field.labels) ||
        !field.labels.every((l) => typeof l === 'string' && l.length > 0) ||
        Object.keys(field).some((k) => k !== 'labels' && k !== 'timeout') ||
        (field.timeout !== undefined &&
          (typeof field.timeout !== 'string' || !DURATION.test(field.timeout)))
      ) {
        throw errors.policyInvalid(
          `${where}: requestedAcks must be like {"labels":["my-ack"],"timeout":"5s"}.`,
        );
      }
      result.requestedAcks = { labels: field.labels as string[] };
      if (field.timeout !== undefined) result.requestedAcks.timeout = field.timeout as string;
    } else {
      throw errors.policyInvalid(
        `${where} has the unknown field '${key}': use beforeExpiry, whenDeleted, requestedAcks or randomizationInterval.`,
      );
    }
  }
  return result;
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

const NAMESPACE = /^[a-zA-Z]\w*(?:\.[a-zA-Z]\w*)*$/;

/** Ditto's entry namespace patterns: `com.acme` (exactly) or `com.acme.*` (below it). */
export function parseNamespaces(value: JsonValue, label: string): string[] {
  if (
    !Array.isArray(value) ||
    !value.every(
      (n) => typeof n === 'string' && NAMESPACE.test(n.endsWith('.*') ? n.slice(0, -2) : n),
    )
  ) {
    throw errors.policyInvalid(
      `The namespaces of entry '${label}' must be an array of namespace patterns like "com.acme" or "com.acme.*".`,
    );
  }
  return [...new Set(value as string[])];
}

/** Whether an entry restricted to `patterns` applies to a thing of `namespace`. */
export function namespaceMatches(patterns: readonly string[], namespace: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) =>
    p.endsWith('.*') ? namespace.startsWith(p.slice(0, -1)) : namespace === p,
  );
}

export function parseImportable(value: JsonValue, label: string): ImportableType {
  if (typeof value !== 'string' || !IMPORTABLE_TYPES.includes(value as ImportableType))
    throw errors.policyInvalid(
      `The importable of entry '${label}' must be one of "implicit", "explicit" or "never".`,
    );
  return value as ImportableType;
}

export function parseAllowedAdditions(value: JsonValue, label: string): AllowedAddition[] {
  if (
    !Array.isArray(value) ||
    !value.every((a) => typeof a === 'string' && ALLOWED_ADDITIONS.includes(a as AllowedAddition))
  ) {
    throw errors.policyInvalid(
      `The allowedAdditions of entry '${label}' must be an array of "subjects", "resources" or "namespaces".`,
    );
  }
  return [...new Set(value as AllowedAddition[])];
}

export function parseReferences(value: JsonValue, label: string): EntryReference[] {
  const hint = `The references of entry '${label}' must be an array like [{"entry":"operator"},{"import":"ns:roles","entry":"driver"}].`;
  if (!Array.isArray(value)) throw errors.policyInvalid(hint);
  return value.map((ref) => {
    if (
      !isJsonObject(ref) ||
      typeof ref.entry !== 'string' ||
      Object.keys(ref).some((k) => k !== 'entry' && k !== 'import') ||
      (ref.import !== undefined && typeof ref.import !== 'string')
    ) {
      throw errors.policyInvalid(hint);
    }
    if (!LABEL.test(ref.entry))
      throw errors.policyInvalid(`The reference of entry '${label}' names an invalid label.`);
    if (ref.import === undefined) return { entry: ref.entry };
    if (!isValidNamespacedId(ref.import)) throw errors.policyIdInvalid(ref.import);
    return { import: ref.import, entry: ref.entry };
  });
}

const ENTRY_FIELDS = new Set([
  'subjects',
  'resources',
  'namespaces',
  'importable',
  'allowedAdditions',
  'references',
]);

export function parseEntry(value: JsonValue, label: string): PolicyEntry {
  assertLabel(label);
  if (!isJsonObject(value))
    throw errors.policyInvalid(`The policy entry '${label}' must be an object.`);
  const unknown = Object.keys(value).find((k) => !ENTRY_FIELDS.has(k));
  if (unknown !== undefined)
    throw errors.policyInvalid(
      `The policy entry '${label}' has the unknown field '${unknown}': use subjects, resources, namespaces, importable, allowedAdditions or references.`,
    );
  const entry: PolicyEntry = {
    subjects: parseSubjects(value.subjects ?? {}, label),
    resources: parseResources(value.resources ?? {}, label),
  };
  if (value.namespaces !== undefined) entry.namespaces = parseNamespaces(value.namespaces, label);
  if (value.importable !== undefined) entry.importable = parseImportable(value.importable, label);
  if (value.allowedAdditions !== undefined)
    entry.allowedAdditions = parseAllowedAdditions(value.allowedAdditions, label);
  if (value.references !== undefined) entry.references = parseReferences(value.references, label);
  return entry;
}

export function parseEntries(value: JsonValue): Policy['entries'] {
  if (!isJsonObject(value))
    throw errors.policyInvalid('The entries of a policy must be an object of labelled entries.');
  const entries: Policy['entries'] = {};
  for (const [label, entry] of Object.entries(value)) entries[label] = parseEntry(entry, label);
  return entries;
}

function policyIdList(value: JsonValue, what: string): string[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string'))
    throw errors.policyImportInvalid(`The ${what} must be an array of policy IDs.`);
  for (const id of value as string[])
    if (!isValidNamespacedId(id)) throw errors.policyIdInvalid(id);
  return [...new Set(value as string[])];
}

/** One import of `policyId`: `{"entries": [labels], "transitiveImports": [policyIds]}`. */
export function parseImport(value: JsonValue, importedId: string, policyId: string): PolicyImport {
  if (!isValidNamespacedId(importedId)) throw errors.policyIdInvalid(importedId);
  if (importedId === policyId)
    throw errors.policyImportInvalid(
      'The Policy Import references the policy where it is defined.',
    );
  if (!isJsonObject(value))
    throw errors.policyImportInvalid(
      `The import of '${importedId}' must be an object like {"entries":["label"]}.`,
    );
  const unknown = Object.keys(value).find((k) => k !== 'entries' && k !== 'transitiveImports');
  if (unknown !== undefined)
    throw errors.policyImportInvalid(
      `The import of '${importedId}' has the unknown field '${unknown}': use entries and transitiveImports.`,
    );
  const result: PolicyImport = {};
  if (value.entries !== undefined) result.entries = parseImportEntries(value.entries, importedId);
  if (value.transitiveImports !== undefined) {
    const ids = policyIdList(value.transitiveImports, 'transitiveImports');
    if (ids.includes(policyId))
      throw errors.policyImportInvalid(
        'The policy import contains a transitive resolution of the policy itself.',
        `The 'transitiveImports' array must not contain the importing policy's own ID '${policyId}'.`,
      );
    if (ids.length > 0) result.transitiveImports = ids;
  }
  return result;
}

/** The labels of an import's `entries`. */
export function parseImportEntries(value: JsonValue, importedId: string): string[] {
  if (!Array.isArray(value) || !value.every((l) => typeof l === 'string' && LABEL.test(l)))
    throw errors.policyImportInvalid(
      `The entries of the import of '${importedId}' must be an array of entry labels.`,
    );
  return [...new Set(value as string[])];
}

export function parseImports(value: JsonValue, policyId: string): Policy['imports'] {
  if (!isJsonObject(value))
    throw errors.policyImportInvalid(
      'The imports of a policy must be an object of imports by policy ID.',
    );
  const ids = Object.keys(value);
  if (ids.length > MAX_IMPORTS) throw errors.policyImportsTooLarge(ids.length, MAX_IMPORTS);
  const imports: Policy['imports'] = {};
  for (const id of ids) imports[id] = parseImport(value[id], id, policyId);
  return imports;
}

/** Validates a policy body for `policyId`; throws a 4xx TwinfoldError. */
export function parsePolicy(body: JsonValue, policyId: string): Policy {
  if (!isValidNamespacedId(policyId)) throw errors.policyIdInvalid(policyId);
  if (!isJsonObject(body))
    throw errors.policyInvalid('A policy must be a JSON object with entries.');
  if (body.policyId !== undefined && body.policyId !== policyId) throw errors.policyIdNotSettable();
  const policy: Policy = {
    policyId,
    imports: parseImports(body.imports ?? {}, policyId),
    entries: parseEntries(body.entries ?? {}),
  };
  assertReferencesResolvable(policy);
  return policy;
}

/**
 * Every reference names an entry of this policy, or an import this policy declares (the entry of
 * an import is checked against the imported policy when the import is written).
 */
function assertReferencesResolvable(policy: Policy): void {
  for (const [label, entry] of Object.entries(policy.entries)) {
    for (const ref of entry.references ?? []) {
      if (ref.import === undefined) {
        if (!(ref.entry in policy.entries) || ref.entry === label)
          throw errors.policyInvalid(
            `The entry '${label}' references the entry '${ref.entry}', which is not another entry of this policy.`,
          );
      } else if (!(ref.import in policy.imports)) {
        throw errors.policyImportInvalid(
          `A reference points to policy '${ref.import}' which is not in this policy's imports.`,
          `Add an import for policy '${ref.import}' before referencing its entries.`,
        );
      }
    }
  }
}

/** A stored policy as parsed before imports existed gets its empty imports. */
export function normalisePolicy(policy: Policy): Policy {
  return policy.imports ? policy : { ...policy, imports: {} };
}

/** The JSON form of a policy, in Ditto's field order. */
export function policyToJson(policy: Policy): JsonObject {
  return JSON.parse(
    JSON.stringify({
      policyId: policy.policyId,
      imports: policy.imports ?? {},
      entries: policy.entries,
    }),
  ) as JsonObject;
}

/** The policy Twinfold creates for a thing created without one: its creator may do everything. */
export function defaultPolicy(policyId: string, subjectIds: string[]): Policy {
  const all: Permission[] = ['READ', 'WRITE'];
  return {
    policyId,
    imports: {},
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
