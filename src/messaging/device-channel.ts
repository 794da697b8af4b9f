// The port through which live signals (messages, live commands, live events) reach devices, and
// replies come back: the WebSocket is one implementation, an MQTT command topic may be another.
import type { JsonValue } from '../core/json.js';

/** A Ditto Protocol message as it travels to and from devices. */
export interface ProtocolMessage {
  topic: string;
  headers: Record<string, string>;
  path: string;
  value?: JsonValue;
  /** Set on responses (the HTTP status the device answers with). */
  status?: number;
}

/** What a live signal is, by its topic's criterion. */
export type LiveKind = 'messages' | 'commands' | 'events';

/** A live signal for a thing, with the resource a recipient must be allowed to READ. */
export interface LiveSignal {
  thingId: string;
  kind: LiveKind;
  /** `message:/inbox/messages/ask`, `thing:/attributes/room`, …: READ on it is needed to receive. */
  resource: string;
  message: ProtocolMessage;
}

/**
 * A transport that delivers live signals to devices. `publish` resolves with how many recipients
 * the signal reached (0: nobody listens on this channel). Replies and acknowledgements come back
 * through the {@link ReplySink} the channel was given.
 */
export interface DeviceChannel {
  readonly name: string;
  publish(signal: LiveSignal): Promise<number>;
}

/** Where a channel hands what devices send back. */
export interface ReplySink {
  /** A response to a message or live command (it has a `status` and a correlation-id). */
  reply(message: ProtocolMessage): boolean;
  /** An acknowledgement (`…/things/twin/acks/<label>`) issued by a subscriber. */
  acknowledge(label: string, message: ProtocolMessage): boolean;
}
