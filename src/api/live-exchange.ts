// A live signal sent from an HTTP request (a message, a live command): its Ditto topic, and sending it
// to wait for the first response under the request's correlation-id.
import { errors } from '../core/error-registry.js';
import type { LiveSignal, ProtocolMessage } from '../messaging/device-channel.js';
import type { LiveRouter } from '../messaging/live-router.js';

/** `<namespace>/<name>/things/live/<group>/<action>` for the thing `<namespace>:<name>`. */
export function liveTopic(thingId: string, group: 'commands' | 'messages', action: string): string {
  const colon = thingId.indexOf(':');
  return `${thingId.slice(0, colon)}/${thingId.slice(colon + 1)}/things/live/${group}/${action}`;
}

/**
 * Publishes a signal and waits up to `timeoutMs` for its response (null when none came); a
 * correlation-id another request already waits on is refused before anything is sent.
 */
export async function publishForResponse(
  router: LiveRouter,
  signal: LiveSignal,
  correlationId: string,
  timeoutMs: number,
): Promise<ProtocolMessage | null> {
  if (router.replies.has(correlationId)) throw errors.correlationIdInUse(correlationId);
  const answer = router.replies.wait(correlationId, timeoutMs);
  await router.publish(signal);
  return answer;
}
