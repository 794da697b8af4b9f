// Creating a thing together with its implicit, inline or copied policy, one creation per thingId at a time.
import { randomUUID } from 'node:crypto';
import {
  preparePolicyForCreate,
  type CreationOptions,
  type PolicySources,
} from '../auth/implicit-policy.js';
import type { Identity } from '../auth/identity.js';
import type { PolicyStore } from '../auth/policy-store.js';
import { errors } from '../core/error-registry.js';
import { isValidNamespace } from '../core/ids.js';
import { isJsonObject } from '../core/json.js';
import { resourceOf } from '../core/thing-resource.js';
import type { TwinRuntime, WriteRequest, WriteResult } from '../runtime/twin-runtime.js';
import type { PolicyUsage } from './policy-usage.js';

/** A write whose state change has been applied; `pending` resolves once it is durable. */
export interface AppliedWrite {
  pending: Promise<WriteResult>;
}

/**
 * Creates things and their policies. Creations of one thingId run one after the other, each
 * re-checking whether the thing exists once it is its turn, so two requests that both found the
 * thing missing cannot both create (or replace) its policy, nor can the rollback of the one that
 * lost delete the policy of the one that won. A policy is rolled back only while no thing uses it.
 *
 * @example
 * const { pending } = await creation.write(identity, { kind: 'modify', resource, value, authorize });
 * const result = await pending; // result.created: this request created the thing
 */
/**
 * A write to a thing that exists: what only a creation may carry in its body (an inline `_policy`,
 * `_copyPolicyFrom`, `_metadata`) is refused, not dropped (Ditto's `things:policy.notallowed` and
 * `things:metadata.notmodifiable`). The check runs after authorisation, so that a caller who may
 * not know of the thing gets the answer for a missing one.
 */
function refuseCreationFields(request: WriteRequest): WriteRequest {
  const body = request.resource.kind === 'thing' ? request.value : undefined;
  if (!isJsonObject(body)) return request;
  const policy = '_policy' in body;
  const copy = '_copyPolicyFrom' in body;
  // A merge patch never creates metadata inline: only a PUT creating the thing may.
  const metadata = '_metadata' in body;
  if (!policy && !copy && !metadata) return request;
  const { authorize } = request;
  const { thingId } = request.resource;
  return {
    ...request,
    authorize: (thing) => {
      const view = authorize?.(thing);
      if (thing !== null || request.kind === 'merge') {
        if (policy && thing !== null) throw errors.inlinePolicyNotAllowed(thingId);
        if (copy && thing !== null) throw errors.copyPolicyFromNotAllowed(thingId);
        if (metadata) throw errors.metadataNotModifiable();
      }
      return view;
    },
  };
}

export class ThingCreation {
  /** The last creation queued per thingId (settled, never rejected); absent when none is queued. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly runtime: TwinRuntime,
    private readonly policies: PolicyStore,
    private readonly usage: PolicyUsage,
    private readonly sources: PolicySources,
    /** The namespace of `POST /things` without `namespace` (Ditto's `org.eclipse.ditto`). */
    readonly defaultNamespace = 'org.eclipse.ditto',
  ) {}

  /**
   * Applies a thing-level PUT or PATCH that may create the thing (preparing its policy first);
   * other writes and writes to existing things go straight to the runtime.
   */
  async write(
    identity: Identity,
    request: WriteRequest,
    options: CreationOptions = {},
  ): Promise<AppliedWrite> {
    const thingId = request.resource.thingId;
    if (!this.mayCreate(request))
      return { pending: this.runtime.write(refuseCreationFields(request)) };
    return this.serialised(thingId, () => this.create(identity, request, options));
  }

  /** POST /things: creates a thing with a generated id `<namespace>:<uuid>`. */
  async createWithGeneratedId(
    identity: Identity,
    namespace: string | undefined,
    requestFor: (thingId: string) => Omit<WriteRequest, 'kind' | 'resource'>,
    options: CreationOptions = {},
  ): Promise<AppliedWrite & { thingId: string }> {
    namespace ??= this.defaultNamespace;
    if (!isValidNamespace(namespace)) throw errors.thingIdInvalid(`${namespace}:`);
    const thingId = `${namespace}:${randomUUID()}`;
    const request = requestFor(thingId);
    if (isJsonObject(request.value) && 'thingId' in request.value)
      throw errors.thingIdNotSettablePost();
    const resource = resourceOf(thingId, 'thing');
    const applied = await this.write(identity, { ...request, kind: 'modify', resource }, options);
    return { ...applied, thingId };
  }

  private mayCreate(request: WriteRequest): boolean {
    return (
      request.resource.kind === 'thing' &&
      request.kind !== 'delete' &&
      this.runtime.getThing(request.resource.thingId) === null
    );
  }

  private async create(
    identity: Identity,
    request: WriteRequest,
    options: CreationOptions,
  ): Promise<AppliedWrite> {
    // Another creation of this thing may have finished while this one waited for its turn.
    if (!this.mayCreate(request))
      return { pending: this.runtime.write(refuseCreationFields(request)) };
    const thingId = request.resource.thingId;
    const created = await preparePolicyForCreate(
      this.policies,
      this.sources,
      identity,
      thingId,
      request.value ?? null,
      options,
    );
    let pending: Promise<WriteResult>;
    try {
      pending = this.runtime.write(refuseCreationFields(request));
    } catch (error) {
      if (created) await this.rollback(created);
      throw error;
    }
    if (created)
      pending = pending.catch(async (error: unknown) => {
        await this.rollback(created);
        throw error;
      });
    return { pending };
  }

  /** Deletes a policy made for a creation that failed, unless something uses it by now. */
  private async rollback(policyId: string): Promise<void> {
    try {
      await this.usage.deleteUnused(policyId);
    } catch {
      // In use or already gone: either way it is no orphan.
    }
  }

  private async serialised(thingId: string, job: () => Promise<AppliedWrite>) {
    const previous = this.queues.get(thingId) ?? Promise.resolve();
    const run = previous.then(job);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(thingId, settled);
    try {
      return await run;
    } finally {
      if (this.queues.get(thingId) === settled) this.queues.delete(thingId);
    }
  }
}
