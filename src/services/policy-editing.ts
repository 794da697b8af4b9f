// Reading and editing policies and their parts (entries, subjects, resources) as a requester may.
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import type { PolicyEnforcer } from '../auth/policy-enforcer.js';
import { importedLabel, parsePolicy, policyToJson, type Policy } from '../auth/policy-model.js';
import { assertImportsReadable } from '../auth/policy-import-access.js';
import type { PolicyStore, StoredPolicy } from '../auth/policy-store.js';
import { errors } from '../core/error-registry.js';
import { hasCode, type TwinfoldError } from '../core/errors.js';
import { contentTag, revisionTag } from '../core/etag.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { deleteAt, getAt, setAt } from '../core/json-pointer.js';
import { checkPreconditions, type Preconditions } from '../core/preconditions.js';
import { jsonEqual } from '../core/json-equal.js';
import { namespaceOf } from '../core/thing.js';
import type { PolicyHistoryPoint } from '../store/catalog.js';
import type { PolicyUsage } from './policy-usage.js';

export type PolicyPart =
  | 'policy'
  | 'entries'
  | 'entry'
  | 'subjects'
  | 'subject'
  | 'resources'
  | 'resource'
  | 'namespaces'
  | 'importable'
  | 'allowedAdditions'
  | 'references'
  | 'imports'
  | 'import'
  | 'importEntries'
  | 'transitiveImports';

/** Parts of one entry below it. */
const IN_ENTRY = new Set<PolicyPart>([
  'subjects',
  'subject',
  'resources',
  'resource',
  'namespaces',
  'importable',
  'allowedAdditions',
  'references',
]);

/** Parts of one import below it. */
const IN_IMPORT = new Set<PolicyPart>(['importEntries', 'transitiveImports']);

/** What Ditto answers for a field of an existing entry or import that is not set. */
const DEFAULTS: Partial<Record<PolicyPart, JsonValue>> = {
  importable: 'implicit',
  allowedAdditions: [],
  references: [],
  importEntries: [],
  transitiveImports: [],
};

/** Parts a PUT answers with 204 even when they were not set (Ditto has no 201 for them). */
const ALWAYS_MODIFIED = new Set<PolicyPart>([
  'importable',
  'allowedAdditions',
  'namespaces',
  'importEntries',
  'transitiveImports',
]);

/** A part of a policy: which one and where it lies in the policy JSON. */
export interface PolicyTarget {
  policyId: string;
  part: PolicyPart;
  segments: string[];
  label?: string;
  key?: string;
  /** The imported policy, for the parts of an import. */
  importedId?: string;
}

/** The revision and times a policy's `fields` may select besides its content. */
export interface PolicyMeta {
  _revision: number;
  _created: string;
  _modified: string;
}

/** The outcome of a PUT: `value` and `etag` are absent when the requester may read none of it. */
export interface PolicyWriteResult {
  created: boolean;
  value?: JsonValue;
  etag?: string;
}

/** The error for a part missing from `policy` (null: no policy at all), naming it as Ditto does. */
function notFound(target: PolicyTarget, policy: JsonValue | null | undefined): TwinfoldError {
  const { policyId, label, key, part, importedId } = target;
  if (!isJsonObject(policy) || part === 'policy' || part === 'entries')
    return errors.policyNotFound(policyId);
  if (part === 'imports')
    return errors.policyPartNotFound('imports', `The imports of the Policy with ID '${policyId}'`);
  if (part === 'import' || IN_IMPORT.has(part))
    return errors.policyImportNotFound(policyId, importedId as string);
  const on = `on the Policy with ID '${policyId}'`;
  if (getAt(policy, ['entries', label as string]) === undefined || part === 'entry') {
    return errors.policyPartNotFound('entry', `The PolicyEntry with Label '${label}' ${on}`);
  }
  const of = `of the PolicyEntry with Label '${label}' ${on}`;
  if (part === 'subjects') return errors.policyPartNotFound('subjects', `The Subjects ${of}`);
  if (part === 'subject')
    return errors.policyPartNotFound('subject', `The Subject with ID '${key}' ${of}`);
  if (part === 'resources') return errors.policyPartNotFound('resources', `The Resources ${of}`);
  if (part === 'resource')
    return errors.policyPartNotFound('resource', `The Resource '${key}' ${of}`);
  return errors.policyPartNotFound('entry', `The PolicyEntry with Label '${label}' ${on}`);
}

/**
 * Policy reads and edits with Ditto's permissions on `policy:/…`. A part the requester may not
 * read is answered as a missing policy (by its permissions, whether the part exists or not); a
 * missing part is named as the requester sees the policy; entity tags cover what it may read.
 */
export class PolicyEditing {
  constructor(
    private readonly policies: PolicyStore,
    private readonly usage: PolicyUsage,
  ) {}

  /** The readable part of a policy part and its entity tag; preconditions are checked on it. */
  read(
    identity: Identity,
    target: PolicyTarget,
    preconditions: Preconditions,
  ): { value: JsonValue; etag: string } {
    const { stored, enforcer, json } = this.access(identity, target);
    // What the requester may not read at all is answered by its permissions at the path alone,
    // whether it exists or not.
    if (!stored || !json || (enforcer && !enforcer.hasPartial('policy', target.segments, 'READ')))
      throw errors.policyNotFound(target.policyId);
    return this.readOf(enforcer, target, json, stored.revision, preconditions);
  }

  /**
   * A policy part as it was at a revision or an instant (Ditto's history headers). As for things,
   * the past is guarded by the policy of today: who may not read the part now, or a policy that is
   * gone (but for administrators), gets Ditto's `policies:policy.history.notfound`, as does a
   * revision that never was; a part missing from a past revision is named as it was then.
   */
  async readAt(
    identity: Identity,
    target: PolicyTarget,
    at: PolicyHistoryPoint,
    preconditions: Preconditions,
  ): Promise<{ value: JsonValue; etag: string; meta: PolicyMeta }> {
    const { stored, enforcer } = this.access(identity, target);
    const hidden = () => errors.policyHistoryNotFoundAt(target.policyId, at);
    if (!identity.admin && (!stored || !enforcer?.hasPartial('policy', target.segments, 'READ')))
      throw hidden();
    const past = await this.policies.at(target.policyId, at);
    if (!past) throw hidden();
    const json = policyToJson(past.policy);
    return {
      ...this.readOf(enforcer, target, json, past.revision, preconditions),
      meta: metaOf(past),
    };
  }

  /** The revision and times of a readable policy (for `fields`). */
  meta(policyId: string): PolicyMeta | null {
    const stored = this.policies.get(policyId);
    return stored ? metaOf(stored) : null;
  }

  /**
   * Ditto's `policy-view=resolved`: the policy with the entries it imports (labelled
   * `imported-<policyId>-<label>`) and its references materialised, as far as the requester may
   * read both the importing policy and the imported entry in its own policy. It has no entity
   * tag (the imported policies change it without a new revision here), so conditional headers are
   * not weighed, as in Ditto.
   */
  readResolved(identity: Identity, policyId: string): JsonObject {
    const target: PolicyTarget = { policyId, part: 'policy', segments: [] };
    const { stored, enforcer, json } = this.access(identity, target);
    if (!stored || !json || (enforcer && !enforcer.hasPartial('policy', [], 'READ')))
      throw errors.policyNotFound(policyId);
    const resolved = this.policies.resolvedEntries(policyId) ?? new Map();
    const entries: JsonObject = {};
    for (const [label, entry] of resolved) {
      const value = JSON.parse(JSON.stringify(entry)) as JsonValue;
      const seen = enforcer ? enforcer.view('policy', ['entries', label], value) : value;
      if (seen === undefined || !this.sourceReadable(identity, stored.policy, label)) continue;
      entries[label] = seen;
    }
    const view = (enforcer ? enforcer.view('policy', [], json) : json) as JsonObject;
    return { policyId, ...view, entries };
  }

  /** An imported entry shows only to who may read it in the policy it comes from. */
  private sourceReadable(identity: Identity, policy: Policy, label: string): boolean {
    if (label in policy.entries || identity.admin) return true;
    for (const importedId of Object.keys(policy.imports)) {
      const prefix = importedLabel(importedId, '');
      if (!label.startsWith(prefix)) continue;
      const source = this.policies.enforcer(importedId, identity.subjects);
      return source?.hasPartial('policy', ['entries', label.slice(prefix.length)], 'READ') ?? false;
    }
    return false;
  }

  /**
   * Creates or replaces a policy part with the value `body` returns (a policy for the whole
   * policy); the body is read only once the requester may write and the preconditions hold.
   */
  async write(
    identity: Identity,
    target: PolicyTarget,
    body: () => JsonValue,
    preconditions: Preconditions,
  ): Promise<PolicyWriteResult> {
    const { stored, enforcer, json } = this.writableAsMissing(identity, target, preconditions);
    // A part of a missing policy is a 404 before If-Match is weighed, as for a hidden policy: a
    // 412 against a 404 would tell a stranger, without a trace, which policy ids exist.
    if (target.part !== 'policy' && !json) throw errors.policyNotFound(target.policyId);
    // A part with a default (importable, allowedAdditions, …) exists as GET shows it.
    const current = json ? (getAt(json, target.segments) ?? defaultOf(target, json)) : undefined;
    this.checkPreconditions(target, stored, enforcer, current, preconditions, 'write');
    const value = body();
    const { part, label } = target;
    if (part !== 'policy') {
      if (!json) throw errors.policyNotFound(target.policyId);
      if (IN_ENTRY.has(part) && getAt(json, ['entries', label as string]) === undefined)
        throw this.missing(enforcer, target, json);
      if (
        IN_IMPORT.has(part) &&
        getAt(json, ['imports', target.importedId as string]) === undefined
      )
        throw this.missing(enforcer, target, json);
    }
    // As Ditto, empty references are no references.
    const clears = part === 'references' && Array.isArray(value) && value.length === 0;
    const next =
      part === 'policy'
        ? value
        : clears
          ? deleteAt(json as JsonObject, target.segments)
          : setAt(json as JsonObject, target.segments, value);
    if (json && part === 'importable' && value === 'never')
      assertNotReferenced(json, target.policyId, label as string);
    const policy = parsePolicy(next, target.policyId);
    const skips = preconditions.ifEqual !== undefined && preconditions.ifEqual !== 'update';
    if (skips && stored && current !== undefined) {
      // Ditto's if-equal on policies: an equal write is not applied (412 with the current tag).
      if (jsonEqual(getAt(policyToJson(policy), target.segments), current)) {
        const seen = this.visible(enforcer, target, current);
        const etag = seen === undefined ? null : tagOf(target, seen, stored.revision);
        throw errors.equalValueSkipped('Policy').withEtag(etag);
      }
    }
    this.assertImportsReadable(identity, target, policy);
    // The policy as stored: expiries rounded up to the configured granularity.
    const { revision, policy: written } = await this.store(target, policy, enforcer);
    const after = (getAt(policyToJson(written), target.segments) ??
      defaultOf(target, policyToJson(written))) as JsonValue;
    const reader = identity.admin
      ? null
      : this.policies.enforcer(target.policyId, identity.subjects);
    const seen = this.visible(reader, target, after);
    // Fields with a default (or, for namespaces, none) are modified, never created (as Ditto).
    const result: PolicyWriteResult = {
      created: current === undefined && !ALWAYS_MODIFIED.has(part) && !clears,
    };
    if (seen === undefined) return result;
    result.etag = tagOf(target, seen, revision);
    result.value =
      part === 'policy' ? withImports(target.policyId, policyToJson(written), null) : seen;
    return result;
  }

  /** Deletes a policy part; a whole policy only while no thing uses it (409). */
  async delete(
    identity: Identity,
    target: PolicyTarget,
    preconditions: Preconditions,
  ): Promise<void> {
    const { stored, enforcer, json } = this.writable(identity, target);
    const current = json ? getAt(json, target.segments) : undefined;
    // Preconditions weigh a part as GET shows it: one that is not set has its default.
    const shown = json && current === undefined ? defaultOf(target, json) : current;
    this.checkPreconditions(target, stored, enforcer, shown, preconditions, 'delete');
    // As Ditto, deleting allowedAdditions or references that are not set changes nothing.
    if (
      json &&
      current === undefined &&
      (target.part === 'allowedAdditions' || target.part === 'references') &&
      getAt(json, ['entries', target.label as string]) !== undefined
    )
      return;
    if (!json || current === undefined) throw this.missing(enforcer, target, json);
    if (target.part === 'policy') return this.usage.deleteUnused(target.policyId);
    if (target.part === 'entry') assertNotReferenced(json, target.policyId, target.label as string);
    if (target.part === 'imports' || target.part === 'import')
      assertImportUnreferenced(json, target.policyId, target.importedId ?? null);
    await this.store(
      target,
      parsePolicy(deleteAt(json, target.segments), target.policyId),
      enforcer,
    );
  }

  /** Who writes imports or import references must be able to read what they import. */
  private assertImportsReadable(identity: Identity, target: PolicyTarget, policy: Policy): void {
    const { part } = target;
    const importIds =
      part === 'policy' || part === 'imports'
        ? Object.keys(policy.imports)
        : part === 'import' || IN_IMPORT.has(part)
          ? [target.importedId as string]
          : [];
    const labels =
      part === 'policy' || part === 'entries'
        ? Object.keys(policy.entries)
        : part === 'entry' || part === 'references'
          ? [target.label as string]
          : [];
    assertImportsReadable(this.policies, identity, policy, importIds, labels);
  }

  private access(identity: Identity, target: PolicyTarget) {
    if (!inScope(identity, namespaceOf(target.policyId)))
      throw errors.policyNotFound(target.policyId);
    const stored = this.policies.get(target.policyId);
    const enforcer =
      stored && !identity.admin ? this.policies.enforcer(target.policyId, identity.subjects) : null;
    return { stored, enforcer, json: stored ? policyToJson(stored.policy) : null };
  }

  /**
   * {@link writable}, except that a whole policy the requester may not know of is answered as a
   * missing one would be, preconditions included (If-Match on it is a 412, as on a missing one).
   */
  private writableAsMissing(
    identity: Identity,
    target: PolicyTarget,
    preconditions: Preconditions,
  ): ReturnType<PolicyEditing['writable']> {
    try {
      return this.writable(identity, target);
    } catch (error) {
      if (target.part === 'policy' && hasCode(error, 'policies:policy.notfound'))
        checkPreconditions(preconditions, null, 'write', 'Policy');
      throw error;
    }
  }

  /** Access for a write: WRITE on the whole part, else 403 (404 to who may not read the part). */
  private writable(identity: Identity, target: PolicyTarget) {
    assertWritable(identity);
    const found = this.access(identity, target);
    const { stored, enforcer } = found;
    if (stored && enforcer && !enforcer.hasUnrestricted('policy', target.segments, 'WRITE')) {
      if (!enforcer.hasPartial('policy', target.segments, 'READ'))
        throw errors.policyNotFound(target.policyId);
      throw errors.policyNotModifiable(target.policyId);
    }
    return found;
  }

  private checkPreconditions(
    target: PolicyTarget,
    stored: StoredPolicy | null,
    enforcer: PolicyEnforcer | null,
    current: JsonValue | undefined,
    preconditions: Preconditions,
    mode: 'write' | 'delete',
  ): void {
    const seen = current === undefined ? undefined : this.visible(enforcer, target, current);
    const etag = seen === undefined || !stored ? null : tagOf(target, seen, stored.revision);
    checkPreconditions(preconditions, etag, mode, 'Policy');
  }

  /** What the requester may read of a part (all of it without an enforcer: administrators). */
  /** The readable part of a policy's JSON at a revision and its entity tag, preconditions checked. */
  private readOf(
    enforcer: PolicyEnforcer | null,
    target: PolicyTarget,
    json: JsonObject,
    revision: number,
    preconditions: Preconditions,
  ): { value: JsonValue; etag: string } {
    const full = getAt(json, target.segments) ?? defaultOf(target, json);
    const value = full === undefined ? undefined : this.visible(enforcer, target, full);
    if (value === undefined) throw this.missing(enforcer, target, json);
    const etag = tagOf(target, value, revision);
    checkPreconditions(preconditions, etag, 'read', 'Policy');
    return {
      value:
        target.part === 'policy' && isJsonObject(value)
          ? withImports(target.policyId, value, enforcer)
          : value,
      etag,
    };
  }

  private visible(
    enforcer: PolicyEnforcer | null,
    target: PolicyTarget,
    value: JsonValue,
  ): JsonValue | undefined {
    return enforcer ? enforcer.view('policy', target.segments, value) : value;
  }

  /** The not-found error of a part as the requester sees the policy. */
  private missing(
    enforcer: PolicyEnforcer | null,
    target: PolicyTarget,
    json: JsonObject | null,
  ): TwinfoldError {
    if (!json || !enforcer) return notFound(target, json);
    return notFound(target, enforcer.view('policy', [], json));
  }

  /**
   * Stores a changed policy; a lock-out by an entry-level change is reported on the entry (as
   * Ditto); a 413 tells the policy's size only to who may read all of it.
   */
  private async store(target: PolicyTarget, policy: Policy, enforcer: PolicyEnforcer | null) {
    try {
      return await this.policies.put(policy);
    } catch (error) {
      const entryLevel = target.part !== 'policy' && target.part !== 'entries';
      if (entryLevel && hasCode(error, 'policies:policy.modificationinvalid'))
        throw errors.policyEntryModificationInvalid(target.policyId, target.label as string);
      const hidesSize =
        target.part !== 'policy' &&
        enforcer !== null &&
        !enforcer.hasUnrestricted('policy', [], 'READ');
      if (hidesSize && hasCode(error, 'policies:policy.toolarge'))
        throw errors.policyTooLargeHidden(this.policies.maxBytes);
      throw error;
    }
  }
}

function metaOf(stored: StoredPolicy): PolicyMeta {
  return {
    _revision: stored.revision,
    _created: new Date(stored.created).toISOString(),
    _modified: new Date(stored.modified).toISOString(),
  };
}

/** What Ditto answers for an unset field of an existing entry or import; undefined if none. */
function defaultOf(target: PolicyTarget, json: JsonObject): JsonValue | undefined {
  const fallback = DEFAULTS[target.part];
  if (fallback === undefined) return undefined;
  const parent = IN_IMPORT.has(target.part)
    ? ['imports', target.importedId as string]
    : ['entries', target.label as string];
  return getAt(json, parent) === undefined ? undefined : fallback;
}

/** 409 while another entry's local reference points at `label`. */
function assertNotReferenced(json: JsonObject, policyId: string, label: string): void {
  const entries = (json.entries ?? {}) as unknown as Record<string, Policy['entries'][string]>;
  for (const [other, entry] of Object.entries(entries)) {
    if (other === label) continue;
    if (entry.references?.some((ref) => ref.import === undefined && ref.entry === label))
      throw errors.policyEntryReferenceConflict(policyId, label, other);
  }
}

/** 409 while an entry references the import of `importedId` (null: any import). */
function assertImportUnreferenced(
  json: JsonObject,
  policyId: string,
  importedId: string | null,
): void {
  const entries = (json.entries ?? {}) as unknown as Record<string, Policy['entries'][string]>;
  for (const entry of Object.values(entries)) {
    const refs = entry.references ?? [];
    if (
      refs.some(
        (ref) => ref.import !== undefined && (importedId === null || ref.import === importedId),
      )
    )
      throw errors.policyImportReferenceConflict(policyId, importedId);
  }
}

/** The revision for a whole policy; else a hash of the part as the requester sees it. */
function tagOf(target: PolicyTarget, seen: JsonValue, revision: number): string {
  return target.part === 'policy' ? revisionTag(revision) : contentTag(seen);
}

/**
 * A whole policy as Ditto shows it: `policyId`, then `imports` (always there, `{}` when the
 * policy imports nothing, for clients such as Ditto's Explorer UI that rely on it; hidden from a
 * requester who may not read `policy:/imports`), then the rest.
 */
function withImports(
  policyId: string,
  value: JsonObject,
  enforcer: PolicyEnforcer | null,
): JsonObject {
  const hidden = enforcer !== null && !enforcer.hasPartial('policy', ['imports'], 'READ');
  const shown: JsonObject = value.imports !== undefined || hidden ? {} : { imports: {} };
  return { policyId, ...shown, ...value };
}
