// The connected clients (GET /api/2/clients, administrators): MQTT clients of the embedded broker,
// WebSocket sessions and event streams, as the connection registry recorded them.
import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/error-registry.js';
import type { JsonValue } from '../../core/json.js';
import type { ConnectionRegistry, ConnectionView } from '../../services/connection-registry.js';
import { identityOf } from '../authentication.js';
import { connectionListSchema } from '../openapi-schemas.js';
import { sendJson } from '../reply.js';

/** Whether MQTT's clients can be listed: only the embedded broker's are seen. */
export interface MqttVisibility {
  mode: 'embedded' | 'external' | 'off';
  clientsVisible: boolean;
}

export interface ConnectionRoutesOptions {
  connections: ConnectionRegistry;
  mqtt: () => MqttVisibility;
}

/** An MQTT client is named by its client id (as brokers list them), a session by its number. */
function item(view: ConnectionView): Record<string, JsonValue> {
  const { transport, id, identity, remoteAddress, connectedSince, subscriptions } = view;
  return {
    transport,
    ...(transport === 'mqtt' ? { clientId: id } : { id }),
    identity,
    remoteAddress,
    connectedSince,
    subscriptions,
  };
}

export function registerConnectionRoutes(
  api: FastifyInstance,
  options: ConnectionRoutesOptions,
): void {
  api.get(
    '/clients',
    {
      schema: {
        tags: ['System'],
        summary:
          'The clients connected now: MQTT (embedded broker), WebSocket and event streams, with who they are and what they subscribe to (administrators)',
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: connectionListSchema },
      },
    },
    async (request, reply) => {
      if (!identityOf(request).admin)
        throw errors.forbidden('Only administrators may list the connected clients.');
      const mqtt = options.mqtt();
      return sendJson(reply, 200, {
        items: options.connections.list().map(item),
        mqtt: { mode: mqtt.mode, clientsVisible: mqtt.clientsVisible },
      });
    },
  );
}
