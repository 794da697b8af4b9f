// Builds the live channel's services over the runtime and the access checks: the router, the
// WebSocket channel, and who may send and receive which live signal.
import type { Identity } from '../auth/identity.js';
import type { Permission } from '../auth/policy-model.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import type { JsonObject } from '../core/json.js';
import { resourceOf } from '../core/thing-resource.js';
import { LiveRouter } from '../messaging/live-router.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { PermissionChecks } from '../services/permission-check.js';
import { WebSocketLiveChannel } from '../streams/websocket-live-channel.js';
import type { LiveServices } from './routes/live-socket.js';

export function liveServices(
  runtime: Pick<TwinRuntime, 'getThing'>,
  checks: PermissionChecks,
  guard: ThingGuard,
): LiveServices {
  const allowed = (
    identity: Identity,
    thingId: string,
    resource: string,
    permission: Permission,
  ): boolean =>
    checks.check(identity, { p: { resource, entityId: thingId, hasPermissions: [permission] } }).p;
  const channel = new WebSocketLiveChannel({
    mayRead: (identity, thingId, resource) => allowed(identity, thingId, resource, 'READ'),
    twinView: (identity, thingId) => {
      const thing = runtime.getThing(thingId)?.thing as unknown as JsonObject | undefined;
      if (!thing) return null;
      const access = guard.readAccess(identity, thing, resourceOf(thingId, 'thing'));
      return access ? access.docView(thing) : null;
    },
  });
  const router = new LiveRouter();
  router.attach(channel);
  return { router, channel, allowed };
}
