// Policies in memory, persisted in the catalog; compiled enforcers cached per subject set.
import { errors } from '../core/error-registry.js';
import type { Catalog } from '../store/catalog.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import type { Policy } from './policy-model.js';

export interface StoredPolicy {
  policy: Policy;
  revision: number;
  created: number;
  modified: number;
}

/** Compiled enforcers kept per policy revision (one per distinct set of requesting subjects). */
const ENFORCERS_PER_POLICY = 1_000;
const DEFAULT_MAX_POLICY_BYTES = 100 * 1024;

export class PolicyStore {
  private readonly policies = new Map<string, StoredPolicy>();
  /** Revisions of deleted policies, so a re-created policy continues its revision. */
  private readonly deletedRevisions = new Map<string, number>();
  /** Per stored revision of a policy, so that replacing or deleting it drops its enforcers too. */
  private readonly enforcers = new WeakMap<StoredPolicy, Map<string, PolicyEnforcer>>();
  /** Policies being deleted: they still govern their things, but no thing may take them on. */
  private readonly deleting = new Set<string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly now: () => number = Date.now,
    /** Largest policy JSON in bytes. */
    readonly maxBytes = DEFAULT_MAX_POLICY_BYTES,
  ) {}

  async load(): Promise<number> {
    for (const record of await this.catalog.listPolicies()) {
      if (record.json === null) {
        this.deletedRevisions.set(record.policyId, record.revision);
        continue;
      }
      const { revision, created, modified } = record;
      this.policies.set(record.policyId, {
        policy: JSON.parse(record.json) as Policy,
        revision,
        created,
        modified,
      });
    }
    return this.policies.size;
  }

  get(policyId: string): StoredPolicy | null {
    return this.policies.get(policyId) ?? null;
  }

  /** Whether a thing may be given this policy now: it exists and is not being deleted. */
  referable(policyId: string): boolean {
    return this.policies.has(policyId) && !this.deleting.has(policyId);
  }

  /** The policy compiled for these subjects; null when the policy does not exist. */
  enforcer(policyId: string, subjects: readonly string[]): PolicyEnforcer | null {
    const stored = this.policies.get(policyId);
    if (!stored) return null;
    let compiled = this.enforcers.get(stored);
    if (!compiled) {
      compiled = new Map();
      this.enforcers.set(stored, compiled);
    }
    const key = subjects.join('\n');
    const cached = compiled.get(key);
    // The clock is read only for an enforcer whose subjects expire (most never do).
    if (cached && (cached.validUntil === Infinity || this.now() < cached.validUntil)) return cached;
    if (compiled.size >= ENFORCERS_PER_POLICY) compiled.clear();
    const enforcer = new PolicyEnforcer(stored.policy, subjects, this.now());
    compiled.set(key, enforcer);
    return enforcer;
  }

  /** Creates or replaces a policy; refuses one that would lock everybody out of it. */
  async put(policy: Policy): Promise<{ created: boolean; revision: number }> {
    assertNotLockedOut(policy);
    const json = JSON.stringify(policy);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxBytes) throw errors.policyTooLarge(bytes, this.maxBytes);
    const existing = this.policies.get(policy.policyId);
    const now = this.now();
    const revision = (existing?.revision ?? this.deletedRevisions.get(policy.policyId) ?? 0) + 1;
    const stored: StoredPolicy = {
      policy,
      revision,
      created: existing?.created ?? now,
      modified: now,
    };
    await this.catalog.putPolicy({
      policyId: policy.policyId,
      revision,
      created: stored.created,
      modified: now,
      json,
    });
    this.policies.set(policy.policyId, stored);
    this.deletedRevisions.delete(policy.policyId);
    return { created: !existing, revision };
  }

  /**
   * Deletes a policy. `assertUnused` runs first and may refuse by throwing; while it runs and the
   * deletion is written, the policy is not `referable`, so no thing can take it on meanwhile.
   */
  async delete(policyId: string, assertUnused?: () => Promise<void>): Promise<void> {
    if (!this.policies.has(policyId) || this.deleting.has(policyId))
      throw errors.policyNotFound(policyId);
    this.deleting.add(policyId);
    try {
      await assertUnused?.();
      const existing = this.policies.get(policyId);
      if (!existing) throw errors.policyNotFound(policyId);
      const now = this.now();
      const revision = existing.revision + 1;
      await this.catalog.putPolicy({
        policyId,
        revision,
        created: existing.created,
        modified: now,
        json: null,
      });
      this.policies.delete(policyId);
      this.deletedRevisions.set(policyId, revision);
    } finally {
      this.deleting.delete(policyId);
    }
  }
}

/**
 * Ditto's lock-out prevention: some permanent subject must be granted WRITE on `policy:/` by one
 * entry and not revoked it there by any entry.
 */
export function assertNotLockedOut(policy: Policy): void {
  const granted = new Set<string>();
  const revoked = new Set<string>();
  for (const entry of Object.values(policy.entries)) {
    const resource = entry.resources['policy:/'];
    if (!resource) continue;
    for (const [id, subject] of Object.entries(entry.subjects)) {
      if (resource.grant.includes('WRITE') && subject.expiry === undefined) granted.add(id);
      if (resource.revoke.includes('WRITE')) revoked.add(id);
    }
  }
  if (![...granted].some((id) => !revoked.has(id)))
    throw errors.policyModificationInvalid(policy.policyId);
}
