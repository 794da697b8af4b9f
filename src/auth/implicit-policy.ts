// The policy a thing is created with: inline `_policy`, an existing `policyId`, or Ditto's default.
import { errors } from '../core/error-registry.js';
import { namespaceOf } from '../core/thing.js';
import { isJsonObject, type JsonValue } from '../core/json.js';
import { assertWritable, inScope, type Identity } from './identity.js';
import { assertImportsReadable } from './policy-import-access.js';
import { defaultPolicy, parsePolicy } from './policy-model.js';
import type { PolicyStore } from './policy-store.js';

/**
 * Before a thing is created: creates its inline or default policy when needed and returns that
 * policy's id (so a failed create can roll it back), or null when nothing was created.
 */
export async function preparePolicyForCreate(
  policies: PolicyStore,
  identity: Identity,
  thingId: string,
  body: JsonValue,
): Promise<string | null> {
  const explicit =
    isJsonObject(body) && typeof body.policyId === 'string' ? body.policyId : undefined;
  const policyId = explicit ?? thingId;
  const inline = isJsonObject(body) ? body._policy : undefined;
  // Nothing is created for a caller that may not write here, not even for a moment.
  assertWritable(identity);
  if (!inScope(identity, namespaceOf(thingId))) throw errors.thingNotFound(thingId);
  if (!inScope(identity, namespaceOf(policyId))) throw errors.policyOutOfScope(policyId);
  if (inline !== undefined) {
    if (policies.get(policyId)) throw errors.policyConflict(policyId);
    const policy = parsePolicy(inline, policyId);
    assertImportsReadable(policies, identity, policy);
    await policies.put(policy);
    return policyId;
  }
  if (explicit !== undefined || policies.get(policyId)) return null;
  await policies.put(defaultPolicy(policyId, [identity.id]));
  return policyId;
}
