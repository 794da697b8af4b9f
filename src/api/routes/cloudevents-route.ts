// Ditto's CloudEvents endpoint, POST /api/2/cloudevents: a CloudEvent (HTTP binding, binary or
// structured mode) whose data is a Ditto Protocol twin command, applied as the caller.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/error-registry.js';
import { isJsonObject } from '../../core/json.js';
import { parseCommand, ProtocolMessageError } from '../../streams/ditto-protocol.js';
import { identityOf } from '../authentication.js';
import type { ProtocolCommandRunner } from '../protocol-commands.js';
import { accepted } from '../processing-headers.js';

/** Ditto's default `ditto.gateway.cloud-events.data-types`. */
const DATA_TYPES = ['application/json', 'application/vnd.eclipse.ditto+json'];
const STRUCTURED = 'application/cloudevents+json';
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

interface CloudEvent {
  attributes: Record<string, string>;
  data: unknown;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function text(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return JSON.stringify(body);
}

/** Reads the CloudEvent of a request in binary or structured content mode. */
function readCloudEvent(request: FastifyRequest): CloudEvent {
  const type = mediaType(request.headers['content-type']);
  if (type === STRUCTURED) {
    const raw = text(request.body);
    if (raw === undefined || raw.trim() === '')
      throw errors.cloudEventUnparsable('no event in the body');
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch (error) {
      throw errors.cloudEventUnparsable((error as Error).message);
    }
    if (!isJsonObject(event)) throw errors.cloudEventUnparsable('the event is not a JSON object');
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(event)) {
      if (key === 'data' || key === 'data_base64') continue;
      if (typeof value !== 'string')
        throw errors.cloudEventUnparsable(`the attribute '${key}' is not a string`);
      attributes[key] = value;
    }
    let data: unknown = event.data;
    if (typeof event.data_base64 === 'string')
      data = Buffer.from(event.data_base64, 'base64').toString('utf8');
    return { attributes, data };
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    attributes[name.slice(3)] = Array.isArray(value) ? value.join(',') : value;
  }
  if (request.headers['content-type'] !== undefined)
    attributes.datacontenttype = String(request.headers['content-type']);
  return { attributes, data: request.body };
}

/** The Ditto Protocol message of a valid CloudEvent; a 400/415 that says what is wrong otherwise. */
function protocolMessageOf(event: CloudEvent): unknown {
  for (const name of REQUIRED)
    if (event.attributes[name] === undefined || event.attributes[name] === '')
      throw errors.cloudEventUnparsable(`the required attribute '${name}' (ce-${name}) is missing`);
  if (event.attributes.specversion !== '1.0')
    throw errors.cloudEventUnparsable(
      `the specversion '${event.attributes.specversion}' is not supported, only '1.0'`,
    );
  const data = event.data;
  if (data === undefined || data === null || (typeof data === 'string' && data.trim() === ''))
    throw errors.cloudEventPayloadMissing();
  const contentType = event.attributes.datacontenttype;
  if (contentType === undefined || !DATA_TYPES.includes(mediaType(contentType)))
    throw errors.mediaTypeUnsupported(contentType ?? 'none', DATA_TYPES.join(' or '));
  const schema = event.attributes.dataschema;
  if (schema !== undefined && !schema.startsWith('ditto:'))
    throw errors.cloudEventDataSchemaUnsupported(schema);
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch (error) {
    throw errors.jsonInvalid((error as Error).message);
  }
}

export function registerCloudEventsRoute(
  app: FastifyInstance,
  commands: ProtocolCommandRunner,
): void {
  app.post(
    '/cloudevents',
    {
      schema: {
        tags: ['CloudEvents'],
        summary: 'Processes a CloudEvent whose data is a Ditto Protocol twin command',
      },
    },
    (request, reply) => accept(commands, request, reply),
  );
}

async function accept(
  commands: ProtocolCommandRunner,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const message = protocolMessageOf(readCloudEvent(request));
  let command;
  try {
    command = parseCommand(message);
  } catch (error) {
    if (error instanceof ProtocolMessageError)
      return reply.code(error.body.status).send(error.body);
    throw error;
  }
  // The command runs as the caller, through the path of every Ditto Protocol command.
  const response = await commands.run(identityOf(request), command, {
    remoteAddress: request.ip,
    headers: { 'correlation-id': request.processing.correlationId },
  });
  if (response !== null && response.status >= 400)
    return reply.code(response.status).send(response.value);
  // As in Ditto: accepted once the command reached the persistence, without a response body.
  return accepted(reply).send();
}
