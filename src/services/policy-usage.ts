// Which things use a policy, and deleting a policy only while none does (no policy squatting).
import type { PolicyStore } from '../auth/policy-store.js';
import { errors } from '../core/error-registry.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';

/** How many of the things using a policy a refusal names. */
const NAMED_THINGS = 3;

export class PolicyUsage {
  constructor(
    private readonly runtime: Pick<TwinRuntime, 'search'>,
    private readonly policies: PolicyStore,
  ) {}

  /** Up to `limit` ids of live things whose policyId is `policyId`, and whether there are more. */
  async thingsUsing(
    policyId: string,
    limit = NAMED_THINGS,
  ): Promise<{ thingIds: string[]; more: boolean }> {
    const page = await this.runtime.search({
      filter: { op: 'eq', path: 'policyId', value: policyId },
      sort: [],
      size: limit,
    });
    return { thingIds: page.docs.map((doc) => doc.thingId), more: page.cursor !== undefined };
  }

  /**
   * Deletes a policy; 409 `policies:policy.inuse` while a thing uses it. No thing can take the
   * policy on while this runs: the store refuses new references to a policy being deleted.
   */
  async deleteUnused(policyId: string): Promise<void> {
    await this.policies.delete(policyId, async () => {
      const { thingIds, more } = await this.thingsUsing(policyId);
      if (thingIds.length > 0) throw errors.policyInUse(policyId, thingIds, more);
    });
  }
}
