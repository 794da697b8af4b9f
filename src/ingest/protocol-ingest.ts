// Ingest of Ditto Protocol messages (Ditto's default payload mapping): each message is a twin
// command, run through the same path as the WebSocket's, or an acknowledgement a device issues.
import type { Identity } from '../auth/identity.js';
import type { ErrorBody } from '../core/errors.js';
import { isJsonObject, type JsonValue } from '../core/json.js';
import type { ProtocolMessage } from '../messaging/device-channel.js';
import {
  headersOf,
  parseCommand,
  ProtocolMessageError,
  type ResponseEnvelope,
  type ThingCommand,
} from '../streams/ditto-protocol.js';
import type { RawMessage } from './ingest-service.js';
import type { CompiledSpec } from './spec.js';
import type { MessageContext, Template } from './template.js';

/** Runs a twin command as an identity; resolves with Ditto's response or error envelope once durable. */
export interface TwinCommands {
  run(identity: Identity, command: ThingCommand): Promise<ResponseEnvelope | null>;
}

/** Takes an acknowledgement a device issued; false when no request waits for it. */
export interface AckSink {
  acknowledge(label: string, message: ProtocolMessage): boolean;
}

/** Why a message was not applied: a dead letter's reason and detail. */
export interface Rejection {
  reason: string;
  detail: string;
}

/** What a Ditto Protocol message is, once read: a twin command or an acknowledgement. */
export type ProtocolReading =
  | { ok: true; command: ThingCommand }
  | { ok: true; ack: { label: string; message: ProtocolMessage } }
  | ({ ok: false } & Rejection);

/** The reason of an error body: its code without the prefix (`things:thing.notfound` → `thing.notfound`). */
function reasonOf(body: ErrorBody | undefined, status: number): Rejection {
  if (body === undefined || typeof body !== 'object' || typeof body.error !== 'string')
    return { reason: 'write.failed', detail: `the command was answered with status ${status}` };
  const colon = body.error.indexOf(':');
  return {
    reason: colon < 0 ? body.error : body.error.slice(colon + 1),
    detail: body.message ?? `status ${status}`,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The pattern a Ditto Protocol spec's thingId template makes of one message: placeholders of the
 * topic, subject and headers are filled from the message, payload placeholders stand for any
 * text; a string when a placeholder has no value in the message.
 */
export function thingPattern(template: Template, context: MessageContext): RegExp | string {
  let body = '';
  for (const part of template.parts) {
    let value: string | undefined;
    switch (part.kind) {
      case 'text':
        body += escapeRegExp(part.text);
        continue;
      case 'path':
        body += '.+';
        continue;
      case 'topic':
        value = context.topic?.[part.name];
        if (value === undefined) return `topic.${part.name}`;
        break;
      case 'subject':
        value = context.subject?.[part.index];
        if (value === undefined) return `subject.${part.index}`;
        break;
      case 'header': {
        const header = context.headers?.[part.name];
        value = Array.isArray(header) ? header[0] : header;
        if (value === undefined) return `header.${part.name}`;
        break;
      }
    }
    body += escapeRegExp(value);
  }
  return new RegExp(`^${body}$`, 's');
}

/** The acknowledgement topic `<ns>/<name>/things/twin/acks/<label>`: its thing and label, or null. */
function ackTopic(topic: unknown): { thingId: string; label: string } | null {
  if (typeof topic !== 'string') return null;
  const parts = topic.split('/');
  if (parts.length !== 6 || parts[2] !== 'things' || parts[3] !== 'twin' || parts[4] !== 'acks')
    return null;
  return { thingId: `${parts[0]}:${parts[1]}`, label: parts[5] };
}

/**
 * Reads one message of a Ditto Protocol source: a twin command that changes the twin (create,
 * modify, merge, delete) of a thing the spec's thingId pattern allows, or an acknowledgement with
 * a label the spec declares (`commands.acks`). Anything else is a rejection saying why.
 */
export function readProtocolMessage(spec: CompiledSpec, message: RawMessage): ProtocolReading {
  if (message.payload === undefined)
    return {
      ok: false,
      reason: 'payload.invalid',
      detail: message.parseError ?? 'the message is not JSON',
    };
  const payload = message.payload;
  try {
    const ack = isJsonObject(payload) ? ackTopic(payload.topic) : null;
    if (ack !== null) return readAck(spec, message, payload as Record<string, JsonValue>, ack);
    const command = parseCommand(payload);
    if (command.action === 'retrieve')
      return {
        ok: false,
        reason: 'command.unsupported',
        detail: `'${command.topic}': an ingest source answers nobody, so it takes only commands that change the twin (create, modify, merge, delete)`,
      };
    const channel = command.headers.channel;
    if (channel !== undefined && channel !== 'twin')
      return {
        ok: false,
        reason: 'command.unsupported',
        detail: `the header 'channel: ${channel}': an ingest source applies twin commands only`,
      };
    const outside = outsideSpec(spec, message, command.thingId);
    if (outside !== null) return { ok: false, ...outside };
    return { ok: true, command };
  } catch (error) {
    if (error instanceof ProtocolMessageError) return { ok: false, ...reasonOf(error.body, 400) };
    throw error;
  }
}

/** Why `thingId` is not one the spec may write, or null. */
function outsideSpec(spec: CompiledSpec, message: RawMessage, thingId: string): Rejection | null {
  const pattern = thingPattern(spec.thingId, message.context);
  if (typeof pattern === 'string')
    return {
      reason: 'thingid.unresolved',
      detail: `the spec's thingId '${spec.thingId.text}' needs ${pattern}, which the message lacks`,
    };
  if (pattern.test(thingId)) return null;
  return {
    reason: 'thing.outside-spec',
    detail: `the message is about '${thingId}', which the spec's thingId '${spec.thingId.text}' does not allow for this message`,
  };
}

function readAck(
  spec: CompiledSpec,
  message: RawMessage,
  payload: Record<string, JsonValue>,
  ack: { thingId: string; label: string },
): ProtocolReading {
  const declared = spec.commands?.acks ?? [];
  if (!declared.includes(ack.label))
    return {
      ok: false,
      reason: 'ack.notdeclared',
      detail: `the acknowledgement label '${ack.label}' is not declared in the spec's commands.acks`,
    };
  const headers = headersOf(payload.headers);
  if (headers['correlation-id'] === undefined)
    return {
      ok: false,
      reason: 'ack.invalid',
      detail: 'an acknowledgement needs the correlation-id of the event it acknowledges',
    };
  const status = payload.status ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    return { ok: false, reason: 'ack.invalid', detail: "'status' is an HTTP status code" };
  const outside = outsideSpec(spec, message, ack.thingId);
  if (outside !== null) return { ok: false, ...outside };
  const protocol: ProtocolMessage = {
    topic: payload.topic as string,
    headers,
    path: typeof payload.path === 'string' ? payload.path : '/',
    status,
  };
  if (payload.value !== undefined) protocol.value = payload.value;
  return { ok: true, ack: { label: ack.label, message: protocol } };
}

/**
 * Applies the messages of Ditto Protocol sources: the commands about one thing run one after
 * another, in the order received (also across batches); different things in parallel.
 */
export class ProtocolIngest {
  /** The last command queued per thing: the next one for that thing waits for it. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly commands: TwinCommands,
    private readonly acks: AckSink | null,
  ) {}

  /** Applies one message as `owner`; resolves once durable with null, or with why it was refused. */
  apply(owner: Identity, spec: CompiledSpec, message: RawMessage): Promise<Rejection | null> {
    const reading = readProtocolMessage(spec, message);
    if (!reading.ok) return Promise.resolve({ reason: reading.reason, detail: reading.detail });
    if ('ack' in reading) {
      // A late acknowledgement (its request answered or timed out) is dropped, as in Ditto.
      const taken = this.acks?.acknowledge(reading.ack.label, reading.ack.message) ?? false;
      return Promise.resolve(
        taken
          ? null
          : {
              reason: 'ack.unexpected',
              detail: `no request waits for '${reading.ack.label}' with correlation-id '${reading.ack.message.headers['correlation-id']}'`,
            },
      );
    }
    return this.enqueue(reading.command.thingId, () => this.run(owner, reading.command));
  }

  private async run(owner: Identity, command: ThingCommand): Promise<Rejection | null> {
    // The command is answered once durable: what the device asked of its response changes nothing here.
    const headers = { ...command.headers };
    delete headers['response-required'];
    let response: ResponseEnvelope | null;
    try {
      response = await this.commands.run(owner, { ...command, headers });
    } catch (error) {
      // Dead-lettered, not redelivered: the same message would fail the same way again.
      return {
        reason: 'command.failed',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    if (response === null || response.status < 400) return null;
    return reasonOf(response.value as unknown as ErrorBody, response.status);
  }

  private enqueue<T>(thingId: string, job: () => Promise<T>): Promise<T> {
    const before = this.tails.get(thingId) ?? Promise.resolve();
    const result = before.then(job, job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(thingId, tail);
    void tail.then(() => {
      if (this.tails.get(thingId) === tail) this.tails.delete(thingId);
    });
    return result;
  }
}
