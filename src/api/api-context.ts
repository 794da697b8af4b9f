// What the route modules work with: the runtime, the access-control services and the application services.
import type { PolicySources } from '../auth/implicit-policy.js';
import { parsePolicy } from '../auth/policy-model.js';
import type { IdentityService } from '../auth/identity-service.js';
import type { PolicyStore } from '../auth/policy-store.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { assertThingId } from '../core/ids.js';
import type { JsonObject } from '../core/json.js';
import { resourceOf } from '../core/thing-resource.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { ConnectionRegistry } from '../services/connection-registry.js';
import { PermissionChecks } from '../services/permission-check.js';
import { PolicyEditing } from '../services/policy-editing.js';
import { PolicyUsage } from '../services/policy-usage.js';
import { RelationService } from '../services/relation-service.js';
import { SubjectAnnouncements } from '../services/subject-announcements.js';
import { ThingCreation } from '../services/thing-creation.js';
import { ThingIncarnations } from '../services/thing-incarnations.js';
import type { LiveServices } from './routes/live-socket.js';

/** The application services the routes call (shared with WebSocket and ingest once they come). */
export interface AccessServices {
  creation: ThingCreation;
  policyUsage: PolicyUsage;
  policyEditing: PolicyEditing;
  permissionChecks: PermissionChecks;
  incarnations: ThingIncarnations;
  /** Relations between twins (Twinfold). */
  relations: RelationService;
  /** Ditto's policy announcements (subjectDeletion) for WebSocket subscribers. */
  announcements: SubjectAnnouncements;
}

export interface ApiContext extends AccessServices {
  runtime: TwinRuntime;
  policies: PolicyStore;
  guard: ThingGuard;
  /** Absent when the app trusts every request (embedding, tests without access control). */
  identities?: IdentityService;
  /** The live channel: messages, live commands and events, custom acknowledgements. */
  live: LiveServices;
  /** The clients connected now (WebSocket sessions and event streams record themselves here). */
  connections: ConnectionRegistry;
  /** The document of a known twin type (for WoT Thing Descriptions); undefined when unknown. */
  typeDocument?: (typeId: string) => JsonObject | undefined;
}

/** Builds the application services over one runtime, policy store and guard. */
export function accessServices(
  runtime: TwinRuntime,
  policies: PolicyStore,
  guard: ThingGuard,
  options: { defaultNamespace?: string } = {},
): AccessServices {
  const policyUsage = new PolicyUsage(runtime, policies);
  const policyEditing = new PolicyEditing(policies, policyUsage);
  // Where `_copyPolicyFrom` reads from, with the caller's permissions (as Ditto retrieves them).
  const sources: PolicySources = {
    policyIdOfThing: (identity, thingId) => {
      assertThingId(thingId);
      const found = runtime.getThing(thingId);
      if (!found) throw errors.thingNotFound(thingId);
      const thing = found.thing as unknown as JsonObject;
      guard.checkRead(identity, thing, resourceOf(thingId, 'policyId'));
      return found.thing.policyId;
    },
    readPolicy: (identity, policyId) => {
      // The read checks the caller's permissions and yields the part of the policy it may see.
      const { value } = policyEditing.read(
        identity,
        { policyId, part: 'policy', segments: [] },
        {},
      );
      const stored = policies.get(policyId);
      // Who may read all of it copies it as stored (an administrator, or trusted embedding).
      if (identity.admin && stored) return structuredClone(stored.policy);
      return parsePolicy(value, policyId);
    },
  };
  return {
    creation: new ThingCreation(runtime, policies, policyUsage, sources, options.defaultNamespace),
    policyUsage,
    policyEditing,
    permissionChecks: new PermissionChecks(runtime, policies),
    incarnations: new ThingIncarnations(runtime),
    relations: new RelationService(runtime, guard),
    announcements: new SubjectAnnouncements(policies),
  };
}
