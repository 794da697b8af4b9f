// What the route modules work with: the runtime and the access-control services.
import type { IdentityService } from '../auth/identity-service.js';
import type { PolicyStore } from '../auth/policy-store.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';

export interface ApiContext {
  runtime: TwinRuntime;
  policies: PolicyStore;
  guard: ThingGuard;
  /** Absent when the app trusts every request (embedding, tests without access control). */
  identities?: IdentityService;
}
