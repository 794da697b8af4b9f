// Ingest specs: the JSON contract that maps raw telemetry to observations, and its compiled form.
import type { Expression } from 'jsonata';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { JsonPath } from './json-path.js';
import type { Template } from './template.js';

/** The transports a source may name, with their settings. */
export interface TransportSource {
  http?: JsonObject;
  mqtt?: { topic: string; qos?: 0 | 1 };
  nats?: { subject: string; stream?: string };
  amqp?: { queue: string };
}

/**
 * Where a spec's messages come from; exactly one key: a transport (its payloads are mapped by the
 * spec's `values`), or `dittoProtocol` holding one transport (its payloads are Ditto Protocol
 * messages, applied as twin commands as Ditto's default payload mapping does; `{}` is HTTP).
 */
export interface SpecSource extends TransportSource {
  dittoProtocol?: TransportSource;
}

/** The transports a source may name. */
export const SOURCE_KINDS = ['http', 'mqtt', 'nats', 'amqp'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The key of a source whose payloads are Ditto Protocol messages. */
export const DITTO_PROTOCOL_SOURCE = 'dittoProtocol';

/** What a spec's payloads are: raw JSON mapped by `values`, or Ditto Protocol messages. */
export type PayloadKind = 'mapped' | 'dittoProtocol';

export const TIMESTAMP_FORMATS = ['iso8601', 'epoch-s', 'epoch-ms', 'epoch-us'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** How one target pointer gets its value: a JSONPath, or a JSONata expression; optionally required. */
export type ValueSource =
  string | { path: string; required?: boolean } | { jsonata: string; required?: boolean };

/** What a message for an unknown twin creates. */
export interface CreateSpec {
  definition?: string;
  attributes?: JsonObject;
  policyId?: string;
}

/**
 * An ingest spec as clients send it (`PUT /api/2/ingest/specs/{specId}`).
 *
 * @example
 * { "source": { "http": {} }, "thingId": "fleet:{{$.vin}}",
 *   "values": { "features/speed/properties/value": "$.speed" } }
 */
export interface IngestSpec {
  source: SpecSource;
  thingId: string;
  timestamp?: { path: string; format: TimestampFormat };
  each?: string;
  values: Record<string, ValueSource>;
  /** Target pointers whose value must be present (as `required: true` on the value). */
  required?: string[];
  create?: CreateSpec | false;
  /** Messages and live commands for the spec's twins go to their devices over MQTT. */
  commands?: CommandsSpec;
}

/**
 * Where Twinfold sends a spec's twins their messages and live commands over MQTT, and where their
 * devices answer. Each topic holds `{{thingId}}` as one whole segment; `{}` takes the defaults.
 */
export interface CommandsSpec {
  /** Default `devices/{{thingId}}/commands`. */
  topic?: string;
  /** Default `devices/{{thingId}}/commands/response`. */
  responseTopic?: string;
  /** Default 1. */
  qos?: 0 | 1;
  /**
   * Acknowledgement labels the spec's devices issue (Ditto's `declaredAcks`): a write requesting
   * one (`requested-acks`) has its twin event published on the command topic, and the device
   * acknowledges it on the response topic (`<ns>/<name>/things/twin/acks/<label>`).
   */
  acks?: string[];
}

/** The commands section of a spec with its defaults filled in. */
export interface CompiledCommands {
  topic: string;
  responseTopic: string;
  qos: 0 | 1;
  acks: readonly string[];
}

export const DEFAULT_COMMANDS: CompiledCommands = {
  topic: 'devices/{{thingId}}/commands',
  responseTopic: 'devices/{{thingId}}/commands/response',
  qos: 1,
  acks: [],
};

/** Who put a spec: messages are applied with these rights. */
export interface SpecOwner {
  id: string;
  subjects: string[];
  admin: boolean;
  namespaces: string[] | null;
}

/** One mapped value, compiled. */
export interface CompiledValue {
  /** The target pointer as written in the spec (`features/t/properties/value`). */
  pointer: string;
  /** Its segments from the thing root. */
  segments: string[];
  path?: JsonPath;
  jsonata?: Expression;
  required: boolean;
}

/** A validated spec, ready to map messages. */
export interface CompiledSpec {
  specId: string;
  /** The transport the messages come over (also for a `dittoProtocol` source). */
  source: SourceKind;
  /** `dittoProtocol`: each message is a Ditto Protocol twin command; `values` is then empty. */
  payload: PayloadKind;
  /** The MQTT topic filter, NATS subject or AMQP queue of the source; null over HTTP. */
  filter: string | null;
  /** The JetStream stream of a NATS source that names one. */
  stream?: string;
  /**
   * The thing a message is about. For a `dittoProtocol` source the envelope names the thing and
   * this is the pattern it must match (`{{topic.…}}`, `{{subject.…}}`, `{{header.…}}` filled from
   * the message, `{{$…}}` standing for any text); without a `thingId` there, any thing.
   */
  thingId: Template;
  timestamp: { path: JsonPath; format: TimestampFormat } | null;
  /** The list each element of which is one set of observations (its trailing `[*]` removed). */
  each: JsonPath | null;
  values: CompiledValue[];
  create: CreateSpec | null;
  /** The namespaces the thingId template can produce; null when a placeholder makes the namespace. */
  namespaces: string[] | null;
  hasJsonata: boolean;
  /** Where the spec's twins get messages and live commands; null when the spec has no `commands`. */
  commands: CompiledCommands | null;
}

/** One observation set: what one message (or one `each` element) says about one twin. */
export interface Observation {
  thingId: string;
  /** Epoch ms: from the payload when the spec names a timestamp, else the time of receipt. */
  timestamp: number;
  /** Target pointer and value; `0`, `false`, `""` and `null` are values like any other. */
  values: [string, JsonValue][];
}
