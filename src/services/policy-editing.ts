// Reading and editing policies and their parts (entries, subjects, resources) as a requester may.
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import type { PolicyEnforcer } from '../auth/policy-enforcer.js';
import { parsePolicy, policyToJson, type Policy } from '../auth/policy-model.js';
import type { PolicyStore, StoredPolicy } from '../auth/policy-store.js';
import { errors } from '../core/error-registry.js';
import { hasCode, type TwinfoldError } from '../core/errors.js';
import { contentTag, revisionTag } from '../core/etag.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { deleteAt, getAt, setAt } from '../core/json-pointer.js';
import { checkPreconditions, type Preconditions } from '../core/preconditions.js';
import { jsonEqual } from '../core/json-equal.js';
import { namespaceOf } from '../core/thing.js';
import type { PolicyUsage } from './policy-usage.js';

export type PolicyPart =
  'policy' | 'entries' | 'entry' | 'subjects' | 'subject' | 'resources' | 'resource';

/** A part of a policy: which one and where it lies in the policy JSON. */
export interface PolicyTarget {
  policyId: string;
  part: PolicyPart;
  segments: string[];
  label?: string;
  key?: string;
}

/** The outcome of a PUT: `value` and `etag` are absent when the requester may read none of it. */
export interface PolicyWriteResult {
  created: boolean;
  value?: JsonValue;
  etag?: string;
}

/** The error for a part missing from `policy` (null: no policy at all), naming it as Ditto does. */
function notFound(target: PolicyTarget, policy: JsonValue | null | undefined): TwinfoldError {
  const { policyId, label, key, part } = target;
  if (!isJsonObject(policy) || part === 'policy' || part === 'entries')
    return errors.policyNotFound(policyId);
  const on = `on the Policy with ID '${policyId}'`;
  if (getAt(policy, ['entries', label as string]) === undefined || part === 'entry') {
    return errors.policyPartNotFound('entry', `The PolicyEntry with Label '${label}' ${on}`);
  }
  const of = `of the PolicyEntry with Label '${label}' ${on}`;
  if (part === 'subjects') return errors.policyPartNotFound('subjects', `The Subjects ${of}`);
  if (part === 'subject')
    return errors.policyPartNotFound('subject', `The Subject with ID '${key}' ${of}`);
  if (part === 'resources') return errors.policyPartNotFound('resources', `The Resources ${of}`);
  return errors.policyPartNotFound('resource', `The Resource '${key}' ${of}`);
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
    const full = getAt(json, target.segments);
    const value = full === undefined ? undefined : this.visible(enforcer, target, full);
    if (value === undefined) throw this.missing(enforcer, target, json);
    const etag = tagOf(target, value, stored.revision);
    checkPreconditions(preconditions, etag, 'read', 'Policy');
    return {
      value:
        target.part === 'policy' && isJsonObject(value)
          ? withImports(target.policyId, value, enforcer)
          : value,
      etag,
    };
  }

  /**
   * Ditto's effective view (`policy-view=resolved`): the policy as the requester may read it,
   * with the entries of the policies it imports merged in. Twinfold has no policy imports yet, so
   * the view equals the policy. As in Ditto it has no entity tag and no preconditions: the
   * importing policy's revision does not follow changes of the policies it imports.
   */
  readResolved(identity: Identity, policyId: string): JsonValue {
    return this.read(identity, { policyId, part: 'policy', segments: [] }, {}).value;
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
    const current = json ? getAt(json, target.segments) : undefined;
    this.checkPreconditions(target, stored, enforcer, current, preconditions, 'write');
    const value = body();
    const { part, label } = target;
    if (part !== 'policy') {
      if (!json) throw errors.policyNotFound(target.policyId);
      const inEntry =
        part === 'subject' || part === 'resource' || part === 'subjects' || part === 'resources';
      if (inEntry && getAt(json, ['entries', label as string]) === undefined)
        throw this.missing(enforcer, target, json);
    }
    const next = part === 'policy' ? value : setAt(json as JsonObject, target.segments, value);
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
    const { revision } = await this.store(target, policy, enforcer);
    const after = getAt(policyToJson(policy), target.segments) as JsonValue;
    const reader = identity.admin
      ? null
      : this.policies.enforcer(target.policyId, identity.subjects);
    const seen = this.visible(reader, target, after);
    const result: PolicyWriteResult = { created: current === undefined };
    if (seen === undefined) return result;
    result.etag = tagOf(target, seen, revision);
    result.value =
      part === 'policy' ? withImports(target.policyId, policyToJson(policy), null) : seen;
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
    this.checkPreconditions(target, stored, enforcer, current, preconditions, 'delete');
    if (!json || current === undefined) throw this.missing(enforcer, target, json);
    if (target.part === 'policy') return this.usage.deleteUnused(target.policyId);
    await this.store(
      target,
      parsePolicy(deleteAt(json, target.segments), target.policyId),
      enforcer,
    );
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
