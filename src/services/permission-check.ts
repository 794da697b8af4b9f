// Ditto's checkPermissions: which of the requester's labelled permission checks hold.
import { inScope, type Identity } from '../auth/identity.js';
import { parseResourceKey, type Permission } from '../auth/policy-model.js';
import type { PolicyStore } from '../auth/policy-store.js';
import { namespaceOf } from '../core/thing.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';

/** One check: may the requester do all of `hasPermissions` on `resource` of `entityId`? */
export interface PermissionCheck {
  /** `thing:/path`, `message:/path` (checked on a thing) or `policy:/path` (on a policy). */
  resource: string;
  entityId: string;
  hasPermissions: Permission[];
}

export class PermissionChecks {
  constructor(
    private readonly runtime: Pick<TwinRuntime, 'getThing'>,
    private readonly policies: PolicyStore,
  ) {}

  /**
   * Answers each labelled check; a check of something the requester may not know (another
   * namespace, a missing thing or policy) is simply false.
   *
   * @example
   * checks.check(identity, { read: { resource: 'thing:/', entityId: 'ns:x', hasPermissions: ['READ'] } })
   * // { read: true }
   */
  check(identity: Identity, checks: Record<string, PermissionCheck>): Record<string, boolean> {
    const result: Record<string, boolean> = {};
    for (const [label, check] of Object.entries(checks))
      result[label] = this.holds(identity, check);
    return result;
  }

  private holds(identity: Identity, check: PermissionCheck): boolean {
    const { type, segments } = parseResourceKey(check.resource);
    if (!inScope(identity, namespaceOf(check.entityId))) return false;
    // As in Ditto, thing and message resources are checked on a thing, policy ones on a policy.
    const policyId =
      type === 'policy' ? check.entityId : this.runtime.getThing(check.entityId)?.thing.policyId;
    if (identity.admin) return type === 'policy' || !!policyId;
    // Entries restricted to namespaces count for a thing of theirs, and all of them for a policy.
    const namespace = type === 'policy' ? undefined : namespaceOf(check.entityId);
    const enforcer = policyId
      ? this.policies.enforcer(policyId, identity.subjects, namespace)
      : null;
    return (
      !!enforcer &&
      check.hasPermissions.every((permission) =>
        enforcer.hasUnrestricted(type, segments, permission),
      )
    );
  }
}
