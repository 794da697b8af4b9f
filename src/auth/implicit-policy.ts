// The policy a thing is created with: inline `_policy`, a copy (`_copyPolicyFrom`), an existing
// `policyId`, or Ditto's default; and Ditto's lock-out rule for the policies created with things.
import { errors } from '../core/error-registry.js';
import { assertPolicyId } from '../core/ids.js';
import { namespaceOf } from '../core/thing.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { assertWritable, inScope, type Identity } from './identity.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import { assertImportsReadable } from './policy-import-access.js';
import { defaultPolicy, parsePolicy, type Policy } from './policy-model.js';
import { assertNotLockedOut, type PolicyStore } from './policy-store.js';

/** What creating a policy with a thing needs besides the policy store. */
export interface PolicySources {
  /**
   * The policyId of thing `thingId` as `identity` may read it (`{{ ref:things/<id>/policyId }}`);
   * throws the thing's 404 when it may not.
   */
  policyIdOfThing(identity: Identity, thingId: string): string;
  /** The policy `policyId` as `identity` may read it; throws the policy's 404 when it may not. */
  readPolicy(identity: Identity, policyId: string): Policy;
}

export interface CreationOptions {
  /** Ditto's `allow-policy-lockout: true`: the creator may leave itself without WRITE on `policy:/`. */
  allowPolicyLockout?: boolean;
}

const REFERENCE = /^\{\{\s*ref:things\/([^/\s]+)\/policyId\s*\}\}$/;
const SUBJECT_PLACEHOLDER = /\{\{\s*request:subjectId\s*\}\}/g;

/** The policy id `_copyPolicyFrom` names: a policy id, or the policyId of a referenced thing. */
function copySource(
  sources: PolicySources,
  identity: Identity,
  value: JsonValue | undefined,
): string {
  if (typeof value !== 'string') throw errors.copyPolicyFromInvalid(JSON.stringify(value));
  const reference = REFERENCE.exec(value);
  if (reference) return sources.policyIdOfThing(identity, reference[1]);
  if (value.includes('{{')) throw errors.copyPolicyFromInvalid(value);
  try {
    assertPolicyId(value);
  } catch {
    throw errors.copyPolicyFromInvalid(value);
  }
  return value;
}

/** An inline policy with Ditto's `{{ request:subjectId }}` in subject ids resolved to the caller. */
function resolveSubjects(inline: JsonValue, identity: Identity): JsonValue {
  if (!isJsonObject(inline) || !isJsonObject(inline.entries)) return inline;
  const entries: JsonObject = {};
  for (const [label, entry] of Object.entries(inline.entries)) {
    if (!isJsonObject(entry) || !isJsonObject(entry.subjects)) {
      entries[label] = entry;
      continue;
    }
    const subjects: JsonObject = {};
    for (const [id, subject] of Object.entries(entry.subjects))
      subjects[id.replace(SUBJECT_PLACEHOLDER, identity.id)] = subject;
    entries[label] = { ...entry, subjects };
  }
  return { ...inline, entries };
}

/**
 * Ditto's lock-out rule: who creates a policy must keep unrestricted WRITE on `policy:/` in it,
 * unless it sends `allow-policy-lockout: true`. Administrators are never locked out.
 */
export function assertNoLockout(
  policy: Policy,
  identity: Identity,
  options: CreationOptions,
): void {
  if (identity.admin || options.allowPolicyLockout) return;
  const enforcer = new PolicyEnforcer(policy, identity.subjects);
  if (!enforcer.hasUnrestricted('policy', [], 'WRITE'))
    throw errors.policyNotCreatable(policy.policyId);
}

/**
 * Before a thing is created: creates its inline, copied or default policy when needed and returns
 * that policy's id (so a failed create can roll it back), or null when nothing was created.
 */
export async function preparePolicyForCreate(
  policies: PolicyStore,
  sources: PolicySources,
  identity: Identity,
  thingId: string,
  body: JsonValue,
  options: CreationOptions = {},
): Promise<string | null> {
  const explicit =
    isJsonObject(body) && typeof body.policyId === 'string' ? body.policyId : undefined;
  const policyId = explicit ?? thingId;
  const inline = isJsonObject(body) ? body._policy : undefined;
  const copyFrom = isJsonObject(body) ? body._copyPolicyFrom : undefined;
  // Nothing is created for a caller that may not write here, not even for a moment.
  assertWritable(identity);
  if (!inScope(identity, namespaceOf(thingId))) throw errors.thingNotFound(thingId);
  if (!inScope(identity, namespaceOf(policyId))) throw errors.policyOutOfScope(policyId);
  if (inline !== undefined && copyFrom !== undefined) throw errors.copyPolicyConflict();
  let policy: Policy | null = null;
  if (copyFrom !== undefined) {
    const source = copySource(sources, identity, copyFrom);
    // As in Ditto, the copy is a new policy with the id the thing will use.
    policy = { ...sources.readPolicy(identity, source), policyId };
  } else if (inline !== undefined) {
    policy = parsePolicy(resolveSubjects(inline, identity), policyId);
  }
  if (policy !== null) {
    if (policies.get(policyId)) throw errors.policyConflict(policyId);
    // As in Ditto, a policy nobody may edit is invalid before the creator's own lock-out counts.
    assertNotLockedOut(policy);
    assertNoLockout(policy, identity, options);
    assertImportsReadable(policies, identity, policy);
    await policies.put(policy);
    return policyId;
  }
  if (explicit !== undefined || policies.get(policyId)) return null;
  await policies.put(defaultPolicy(policyId, [identity.id]));
  return policyId;
}
