// What the route modules work with: the runtime, the access-control services and the application services.
import type { IdentityService } from '../auth/identity-service.js';
import type { PolicyStore } from '../auth/policy-store.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { PermissionChecks } from '../services/permission-check.js';
import { PolicyEditing } from '../services/policy-editing.js';
import { PolicyUsage } from '../services/policy-usage.js';
import { ThingCreation } from '../services/thing-creation.js';
import { ThingIncarnations } from '../services/thing-incarnations.js';

/** The application services the routes call (shared with WebSocket and ingest once they come). */
export interface AccessServices {
  creation: ThingCreation;
  policyUsage: PolicyUsage;
  policyEditing: PolicyEditing;
  permissionChecks: PermissionChecks;
  incarnations: ThingIncarnations;
}

export interface ApiContext extends AccessServices {
  runtime: TwinRuntime;
  policies: PolicyStore;
  guard: ThingGuard;
  /** Absent when the app trusts every request (embedding, tests without access control). */
  identities?: IdentityService;
}

/** Builds the application services over one runtime and policy store. */
export function accessServices(runtime: TwinRuntime, policies: PolicyStore): AccessServices {
  const policyUsage = new PolicyUsage(runtime, policies);
  return {
    creation: new ThingCreation(runtime, policies, policyUsage),
    policyUsage,
    policyEditing: new PolicyEditing(policies, policyUsage),
    permissionChecks: new PermissionChecks(runtime, policies),
    incarnations: new ThingIncarnations(runtime),
  };
}
